package lua

import (
	"unsafe"

	"github.com/mailexpect/mailexpect/third_party/gopher-lua/pm"
)

// mailexpect patch: library functions that can run long (a backtracking
// pattern, string.rep of a large size, table.sort of a large table) poll
// the state's context, as the VM loop does between instructions, so a
// deadline holds inside them too. The error is the one the VM raises.

// pollEvery is how many poll calls pass between two looks at the
// context; a power of two.
const pollEvery = 1024

type poller struct {
	L    *LState
	done <-chan struct{} // nil without a context: never ready
	n    uint32
}

func newPoller(L *LState) poller {
	p := poller{L: L}
	if L.ctx != nil {
		p.done = L.ctx.Done()
	}
	return p
}

// poll counts a step and looks at the context every pollEvery steps.
func (p *poller) poll() {
	p.n++
	if p.n&(pollEvery-1) == 0 {
		p.check()
	}
}

// check raises the context's error if it is done.
func (p *poller) check() {
	select {
	case <-p.done:
		p.L.RaiseError("%s", p.L.ctx.Err().Error())
	default:
	}
}

// compiledPattern is pm.Compile; a bad pattern is raised (mailexpect
// patch). The state remembers the last patterns it compiled by where
// their bytes are (a constant of a function is the same string on every
// call), so a call does not hash the pattern for pm's shared cache: a
// slot is chosen by the address and checked by comparing the strings,
// which is one pointer comparison when they are the same.
type patternSlots [16]struct {
	key string
	p   *pm.Pattern
}

func compiledPattern(L *LState, pattern string) *pm.Pattern {
	slots := L.patterns
	if slots == nil {
		slots = new(patternSlots)
		L.patterns = slots
	}
	e := &slots[(uintptr(unsafe.Pointer(unsafe.StringData(pattern)))>>3^uintptr(len(pattern)))%uintptr(len(slots))]
	if e.p != nil && e.key == pattern {
		return e.p
	}
	p, err := pm.Compile(pattern)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	e.key, e.p = pattern, p
	return p
}

// matchPattern is p.Match on the state's context into m (nil: the
// state's own match data, valid until the next call); errors are raised.
// mailexpect patch: one match, found without allocations.
func matchPattern(L *LState, p *pm.Pattern, src string, offset int, m *pm.MatchData) (*pm.MatchData, bool) {
	return matchPatternAt(L, p, src, offset, m, false)
}

// matchPatternAt is matchPattern; here: at offset only (pm.MatchHere).
func matchPatternAt(L *LState, p *pm.Pattern, src string, offset int, m *pm.MatchData, here bool) (*pm.MatchData, bool) {
	var done <-chan struct{}
	if L.ctx != nil {
		done = L.ctx.Done()
	}
	if m == nil {
		if L.matchData == nil {
			L.matchData = &pm.MatchData{}
		}
		m = L.matchData
	}
	var ok bool
	var err error
	if here {
		ok, err = p.MatchHere(src, offset, m, done)
	} else {
		ok, err = p.Match(src, offset, m, done)
	}
	if err == pm.ErrCanceled {
		L.RaiseError("%s", L.ctx.Err().Error())
	}
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	return m, ok
}
