package sandbox

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FaultKind names one way a sandbox listener can misbehave on purpose, so
// that a script's author sees what the script does when a real server does
// the same.
type FaultKind string

const (
	// FaultDrip writes the server's bytes one at a time with a pause before
	// each: a server (or a link) so slow that every reply trickles in.
	FaultDrip FaultKind = "drip"
	// FaultSlow pauses before every write: a server that answers late.
	FaultSlow FaultKind = "slow"
	// FaultDropAfter closes the connection as soon as the client's Nth line
	// arrives, without answering it: a server that dies mid-conversation.
	FaultDropAfter FaultKind = "drop-after"
	// FaultRejectRcpt answers every SMTP RCPT with 550 (SMTP only).
	FaultRejectRcpt FaultKind = "reject-rcpt"
	// FaultTempfail answers with a temporary failure where the protocol has
	// one: SMTP 451 to MAIL, POP3 -ERR [SYS/TEMP] and IMAP NO [UNAVAILABLE]
	// to a login.
	FaultTempfail FaultKind = "tempfail"
	// FaultBye refuses the connection in the greeting (SMTP 554, POP3 -ERR,
	// IMAP * BYE) and closes it.
	FaultBye FaultKind = "bye"
)

// Default pauses when a spec gives none: drip is meant to make a reply take
// seconds (a 200-byte EHLO reply takes 2 s), slow to be noticeable on every
// reply without tripping a 10 s default timeout.
const (
	defaultDripDelay = 10 * time.Millisecond
	defaultSlowDelay = 200 * time.Millisecond
)

// Fault is one parsed fault spec. Delay is used by drip (pause before each
// byte) and slow (pause before each write); Count by drop-after.
type Fault struct {
	Kind  FaultKind
	Delay time.Duration
	Count int
}

// String gives the spec back in the form ParseFault reads.
func (f Fault) String() string {
	switch f.Kind {
	case FaultDrip, FaultSlow:
		return string(f.Kind) + ":" + f.Delay.String()
	case FaultDropAfter:
		return string(f.Kind) + ":" + strconv.Itoa(f.Count)
	}
	return string(f.Kind)
}

// ParseFault reads one fault spec: "drip" or "drip:5ms" (a bare number is
// milliseconds: "one byte per N ms"), "slow" or "slow:200ms",
// "drop-after:N", "reject-rcpt", "tempfail", "bye".
func ParseFault(spec string) (Fault, error) {
	name, arg, hasArg := strings.Cut(strings.TrimSpace(spec), ":")
	kind := FaultKind(strings.ToLower(name))
	switch kind {
	case FaultDrip, FaultSlow:
		f := Fault{Kind: kind, Delay: defaultDripDelay}
		if kind == FaultSlow {
			f.Delay = defaultSlowDelay
		}
		if hasArg {
			d, err := parseFaultDelay(arg)
			if err != nil {
				return Fault{}, fmt.Errorf("fault %q: %w", spec, err)
			}
			f.Delay = d
		}
		return f, nil
	case FaultDropAfter:
		if !hasArg {
			return Fault{}, fmt.Errorf("fault %q: drop-after needs a line count, as in drop-after:3", spec)
		}
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 {
			return Fault{}, fmt.Errorf("fault %q: the line count must be a whole number of at least 1", spec)
		}
		return Fault{Kind: kind, Count: n}, nil
	case FaultRejectRcpt, FaultTempfail, FaultBye:
		if hasArg {
			return Fault{}, fmt.Errorf("fault %q: %s takes no argument", spec, kind)
		}
		return Fault{Kind: kind}, nil
	}
	return Fault{}, fmt.Errorf("unknown fault %q: want drip[:DELAY], slow[:DELAY], drop-after:N, reject-rcpt, tempfail or bye", spec)
}

func parseFaultDelay(s string) (time.Duration, error) {
	var d time.Duration
	if ms, err := strconv.Atoi(s); err == nil {
		d = time.Duration(ms) * time.Millisecond
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, fmt.Errorf("delay %q is neither milliseconds nor a duration such as 200ms", s)
	}
	if d <= 0 {
		return 0, errors.New("the delay must be positive")
	}
	return d, nil
}

// appliesTo says whether a fault makes sense on a listener: only SMTP has
// recipients to reject.
func (f Fault) appliesTo(listener string) bool {
	return f.Kind != FaultRejectRcpt || listener == ListenerSMTP
}

// faultSet is the faults of one listener, folded into what the connection
// wrapper and the protocol code ask for.
type faultSet struct {
	drip, slow time.Duration
	dropAfter  int
	rejectRcpt bool
	tempfail   bool
	bye        bool
	specs      []string // for the log line at start
}

func newFaultSet(listener string, faults []Fault) (faultSet, error) {
	var set faultSet
	seen := map[FaultKind]bool{}
	for _, f := range faults {
		if _, err := ParseFault(f.String()); err != nil {
			return faultSet{}, fmt.Errorf("%s listener: %w", listener, err)
		}
		if !f.appliesTo(listener) {
			return faultSet{}, fmt.Errorf("%s listener: fault %s applies only to the smtp listener", listener, f)
		}
		if seen[f.Kind] {
			return faultSet{}, fmt.Errorf("%s listener: fault %s given twice", listener, f.Kind)
		}
		seen[f.Kind] = true
		switch f.Kind {
		case FaultDrip:
			set.drip = f.Delay
		case FaultSlow:
			set.slow = f.Delay
		case FaultDropAfter:
			set.dropAfter = f.Count
		case FaultRejectRcpt:
			set.rejectRcpt = true
		case FaultTempfail:
			set.tempfail = true
		case FaultBye:
			set.bye = true
		}
		set.specs = append(set.specs, f.String())
	}
	return set, nil
}
