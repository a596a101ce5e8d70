package bulk

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/runtime/failure"

	"github.com/mailexpect/mailexpect/internal/testutil"
)

func TestPerHostLimitUnderLoad(t *testing.T) {
	hosts := []string{"mx1.example", "MX2.example.", "mx3.example"}
	const perHost = 3
	gauges := map[string]*testutil.Gauge{"mx1.example": {}, "mx2.example": {}, "mx3.example": {}}
	var all testutil.Gauge
	rows := makeRows(t, 300, hosts...)
	sum, err := Run(context.Background(), Config{Jobs: 32, PerHost: perHost}, rows,
		func(ctx context.Context, at *Attempt) (any, error) {
			row := at.Row()
			host := row.Fields["host"]
			// Half the rows name the port, as a URL's host:port would.
			if row.Index%2 == 0 {
				host += ":995"
			}
			release, err := at.AcquireHost(ctx, host)
			if err != nil {
				return nil, err
			}
			defer release()
			g := gauges[hostKey(host)]
			g.Enter()
			all.Enter()
			time.Sleep(200 * time.Microsecond)
			all.Leave()
			g.Leave()
			return nil, nil
		})
	if err != nil || sum.OK != 300 {
		t.Fatalf("summary %+v err %v", sum, err)
	}
	for h, g := range gauges {
		if p := g.Peak(); p > perHost {
			t.Errorf("%s: %d rows connected at once, limit %d", h, p, perHost)
		} else if p < 2 {
			t.Logf("%s: peak only %d (machine too slow to overlap?)", h, p)
		}
	}
	if p := all.Peak(); p > 3*perHost {
		t.Errorf("%d rows connected at once over 3 hosts", p)
	}
}

func TestAcquireHostSharesTheRowsSlot(t *testing.T) {
	// With --per-host 1, a row that opens two sessions to one server must
	// not wait on itself; other rows wait for the whole row.
	var g testutil.Gauge
	sum, err := Run(context.Background(), Config{Jobs: 4, PerHost: 1, RowTimeout: 5 * time.Second}, makeRows(t, 8),
		func(ctx context.Context, at *Attempt) (any, error) {
			r1, err := at.AcquireHost(ctx, "mx.example:110")
			if err != nil {
				return nil, err
			}
			g.Enter()
			r2, err := at.AcquireHost(ctx, "mx.example:143") // same host, other protocol
			if err != nil {
				return nil, err
			}
			r1()
			r1() // twice is harmless
			time.Sleep(100 * time.Microsecond)
			g.Leave()
			r2()
			return nil, nil
		})
	if err != nil || sum.OK != 8 {
		t.Fatalf("summary %+v err %v", sum, err)
	}
	if p := g.Peak(); p != 1 {
		t.Errorf("%d rows held the host at once, limit 1", p)
	}
}

func TestForgottenSlotReleasedAtRowEnd(t *testing.T) {
	sum, err := Run(context.Background(), Config{Jobs: 2, PerHost: 1, RowTimeout: 5 * time.Second}, makeRows(t, 4),
		func(ctx context.Context, at *Attempt) (any, error) {
			_, err := at.AcquireHost(ctx, "mx.example") // never released: a script that did not close
			return nil, err
		})
	if err != nil || sum.OK != 4 {
		t.Fatalf("summary %+v err %v", sum, err)
	}
}

func TestAcquireHostGivesUpWithTheRow(t *testing.T) {
	l := NewHostLimiter(1)
	hold, err := l.Acquire(context.Background(), "mx")
	if err != nil {
		t.Fatal(err)
	}
	defer hold()
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(fmt.Errorf("%w (1s)", ErrRowTimeout))
	_, err = l.Acquire(ctx, "MX:25")
	if failure.KindOf(err) != failure.Timeout || !errors.Is(err, ErrRowTimeout) {
		t.Errorf("err = %v", err)
	}
	if NewHostLimiter(0) != nil {
		t.Error("NewHostLimiter(0) limits")
	}
	var none *HostLimiter
	if r, err := none.Acquire(ctx, "mx"); err != nil || r == nil {
		t.Error("nil limiter")
	}
}

func TestHostLimiterManyWaiters(t *testing.T) {
	l := NewHostLimiter(1)
	first, _ := l.Acquire(context.Background(), "mx")
	var order []int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := l.Acquire(context.Background(), "mx")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			r()
		}()
	}
	first()
	wg.Wait()
	if len(order) != 5 {
		t.Errorf("order %v", order)
	}
}

func TestHostKey(t *testing.T) {
	for in, want := range map[string]string{
		"mx.example": "mx.example", "MX.Example.:995": "mx.example", "[::1]:143": "::1", "[::1]": "::1", "127.0.0.1:110": "127.0.0.1",
	} {
		if got := hostKey(in); got != want {
			t.Errorf("hostKey(%q) = %q, want %q", in, got, want)
		}
	}
}
