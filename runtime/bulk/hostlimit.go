package bulk

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// HostLimiter bounds how many rows are connected to one host at once
// (--per-host). Waiters queue on a channel, which Go serves in about
// the order they came.
type HostLimiter struct {
	n     int
	mu    sync.Mutex
	slots map[string]chan struct{} // host -> semaphore of capacity n
}

// NewHostLimiter returns a limiter of n rows per host; n < 1 means no
// limit, and a nil *HostLimiter limits nothing.
func NewHostLimiter(n int) *HostLimiter {
	if n < 1 {
		return nil
	}
	return &HostLimiter{n: n, slots: map[string]chan struct{}{}}
}

// hostKey is the name a limit is counted under: the host without its
// port, lower case, without a trailing dot. POP3 and IMAP to one server
// share its limit; two names of one address do not (the limit is on what
// the script dials, before DNS).
func hostKey(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
}

// Acquire waits for a slot for host and returns its release function
// (safe to call more than once). It fails when ctx ends first, with a
// *failure.Error of kind timeout.
func (l *HostLimiter) Acquire(ctx context.Context, host string) (release func(), err error) {
	if l == nil {
		return func() {}, nil
	}
	key := hostKey(host)
	l.mu.Lock()
	sem, ok := l.slots[key]
	if !ok {
		sem = make(chan struct{}, l.n)
		l.slots[key] = sem
	}
	l.mu.Unlock()
	select {
	case sem <- struct{}{}:
	default:
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return nil, &failure.Error{Kind: failure.Timeout, Stage: "connect", Err: context.Cause(ctx),
				Message: fmt.Sprintf("waiting for a free connection to %s (at most %d rows per host): %v", key, l.n, context.Cause(ctx))}
		}
	}
	var once sync.Once
	return func() { once.Do(func() { <-sem }) }, nil
}

// hostHold is an attempt's slot for one host, shared by all the sessions
// the attempt opens to it.
type hostHold struct {
	users   int
	release func()
}

func (h *hostHold) releaseAll() {
	h.users = 0
	h.release()
}

// AcquireHost waits for a slot under --per-host for host ("name",
// "name:port" or "[v6]:port") and returns its release; it has the shape of
// session.Options.Acquire, which calls it before connecting and releases
// when the session closes:
//
//	so.Acquire = attempt.AcquireHost
//
// Its error is of kind timeout: the run was interrupted, or the row timed
// out, while waiting. On a nil Attempt, or without --per-host, it returns
// at once with a release that does nothing.
//
// The limit counts rows, not connections: a row's second session to a
// host it is already connected to shares the row's slot, so a script that
// opens two sessions to one server under --per-host 1 does not wait on
// itself forever. Slots a script forgot to release are released when its
// row attempt ends.
func (a *Attempt) AcquireHost(ctx context.Context, host string) (release func(), err error) {
	if a == nil || a.run.hosts == nil {
		return func() {}, nil
	}
	key := hostKey(host)
	a.mu.Lock()
	if h, ok := a.holds[key]; ok {
		h.users++
		a.mu.Unlock()
		return a.releaser(key, h), nil
	}
	a.mu.Unlock()

	rel, err := a.run.hosts.Acquire(ctx, key)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.over {
		rel()
		return nil, failure.New(failure.Usage, "bulk: AcquireHost after the row ended")
	}
	if h, ok := a.holds[key]; ok { // another session of the row got one meanwhile
		rel()
		h.users++
		return a.releaser(key, h), nil
	}
	if a.holds == nil {
		a.holds = map[string]*hostHold{}
	}
	h := &hostHold{users: 1, release: rel}
	a.holds[key] = h
	return a.releaser(key, h), nil
}

// releaser returns a session's release of the row's shared slot: the slot
// goes back when the last session of the row to that host lets go.
func (a *Attempt) releaser(key string, h *hostHold) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			a.mu.Lock()
			defer a.mu.Unlock()
			if a.holds[key] != h {
				return // already released at the end of the attempt
			}
			h.users--
			if h.users <= 0 {
				delete(a.holds, key)
				h.release()
			}
		})
	}
}
