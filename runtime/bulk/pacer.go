package bulk

import (
	"context"
	"math"
	"math/rand/v2"
	"time"

	"golang.org/x/time/rate"
)

// pacer spaces the start of row attempts to --rate per second: a token
// bucket with room for one token, so starts are evenly spread rather than
// bursting (a mail server's connection-rate limit is what this protects).
// Retries take a token too: to the server they are new connections.
// A nil *pacer does not wait.
type pacer struct {
	limiter *rate.Limiter
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
}

func newPacer(perSecond float64, now func() time.Time, sleep func(context.Context, time.Duration) error) *pacer {
	if perSecond <= 0 || math.IsInf(perSecond, 1) || math.IsNaN(perSecond) {
		return nil
	}
	return &pacer{limiter: rate.NewLimiter(rate.Limit(perSecond), 1), now: now, sleep: sleep}
}

// wait returns when the next attempt may start, or ctx's error when ctx
// ends first (the reservation is then given back).
func (p *pacer) wait(ctx context.Context) error {
	if p == nil {
		return ctx.Err()
	}
	now := p.now()
	r := p.limiter.ReserveN(now, 1)
	d := r.DelayFrom(now)
	if d <= 0 {
		return ctx.Err()
	}
	if err := p.sleep(ctx, d); err != nil {
		r.CancelAt(p.now())
		return err
	}
	return nil
}

// sleepCtx sleeps for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// DefaultBackoff is the wait before retry number attempt (1 after the
// first failure): 1 s doubling each time up to 30 s, with jitter drawn
// from the upper half (so that rows that failed together against one
// server do not come back together).
func DefaultBackoff(attempt int) time.Duration {
	const base, limit = time.Second, 30 * time.Second
	d := limit
	if attempt >= 1 && attempt < 6 {
		d = min(base<<(attempt-1), limit)
	}
	return d/2 + rand.N(d/2+1)
}
