package sandbox

import (
	"fmt"
	"strings"
	"sync/atomic"
)

// liveFaults is one listener's faults as they stand: read on every
// accepted connection and protocol step, replaced whole by SetFaults
// (the web view's switches), so a reader never sees half a change.
type liveFaults struct{ p atomic.Pointer[faultSet] }

func newLiveFaults(set faultSet) *liveFaults {
	l := &liveFaults{}
	l.p.Store(&set)
	return l
}

func (l *liveFaults) get() faultSet { return *l.p.Load() }

// SetFaults replaces the faults of one listener while the sandbox serves.
// Connections already open keep the connection-level faults (drip, slow,
// drop-after) they started with; tempfail and reject-rcpt apply from the
// next command on; bye from the next connection. No faults clears them.
func (s *Server) SetFaults(listener string, faults []Fault) error {
	live := s.faults[strings.ToLower(listener)]
	if live == nil {
		return fmt.Errorf("unknown listener %q: want smtp, pop3 or imap", listener)
	}
	set, err := newFaultSet(listener, faults)
	if err != nil {
		return err
	}
	live.p.Store(&set)
	if len(set.specs) == 0 {
		s.logf("sandbox %s: faults cleared", listener)
	} else {
		s.logf("sandbox %s: faults now %s", listener, strings.Join(set.specs, ", "))
	}
	return nil
}

// Faults returns each listener's faults as specs ("drip:10ms"), keyed by
// listener name.
func (s *Server) Faults() map[string][]string {
	out := map[string][]string{}
	for _, name := range listenerNames {
		out[name] = append([]string(nil), s.faults[name].get().specs...)
	}
	return out
}
