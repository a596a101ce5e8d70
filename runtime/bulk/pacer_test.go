package bulk

import (
	"context"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock whose sleeps advance it at once: rate tests run in
// no time and measure exactly.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.sleeps = append(c.sleeps, d)
	return ctx.Err()
}

func TestPacerSpacesStarts(t *testing.T) {
	tests := []struct {
		rate   float64
		starts int
		want   time.Duration // from the first start to the last
	}{
		{10, 50, 4900 * time.Millisecond},
		{0.5, 4, 6 * time.Second},
		{1000, 1001, time.Second},
	}
	for _, tt := range tests {
		clock := newFakeClock()
		p := newPacer(tt.rate, clock.Now, clock.Sleep)
		t0 := clock.Now()
		for range tt.starts {
			if err := p.wait(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if got := clock.Now().Sub(t0); got != tt.want {
			t.Errorf("rate %v: %d starts took %v, want %v", tt.rate, tt.starts, got, tt.want)
		}
	}
}

func TestPacerRunRate(t *testing.T) {
	// Through Run, one worker: the starts the clock saw are the rate's.
	clock := newFakeClock()
	var starts []time.Time
	sum, err := Run(context.Background(), Config{Jobs: 1, Rate: 4, Now: clock.Now, sleep: clock.Sleep}, makeRows(t, 9),
		func(ctx context.Context, at *Attempt) (any, error) {
			starts = append(starts, clock.Now())
			return nil, nil
		})
	if err != nil || sum.OK != 9 {
		t.Fatalf("%+v %v", sum, err)
	}
	if got := starts[8].Sub(starts[0]); got != 2*time.Second {
		t.Errorf("9 starts at 4/s took %v, want 2s", got)
	}
	if sum.Duration != 2*time.Second {
		t.Errorf("duration %v on the fake clock", sum.Duration)
	}
}

func TestPacerRealClockLowerBound(t *testing.T) {
	// With the real clock only a lower bound is certain: 11 starts at
	// 200/s cannot take less than 50 ms, however many workers.
	start := time.Now()
	sum, err := Run(context.Background(), Config{Jobs: 8, Rate: 200}, makeRows(t, 11),
		func(context.Context, *Attempt) (any, error) { return nil, nil })
	if err != nil || sum.OK != 11 {
		t.Fatalf("%+v %v", sum, err)
	}
	if el := time.Since(start); el < 50*time.Millisecond {
		t.Errorf("11 starts at 200/s took %v", el)
	}
}

func TestPacerInterrupted(t *testing.T) {
	clock := newFakeClock()
	p := newPacer(1, clock.Now, clock.Sleep)
	p.wait(context.Background()) // takes the one token
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.wait(ctx); err == nil {
		t.Error("wait on a cancelled context")
	}
	if newPacer(0, clock.Now, clock.Sleep) != nil {
		t.Error("rate 0 paces")
	}
	var none *pacer
	if err := none.wait(context.Background()); err != nil {
		t.Error(err)
	}
}
