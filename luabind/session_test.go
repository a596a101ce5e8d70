package luabind

import (
	"testing"

	"github.com/mailexpect/mailexpect/runtime/session"
)

// A session closed by the script leaves the run's list of sessions to
// close at the end: a run over thousands of mailboxes, one session each,
// held every one of them (about 5 KiB each) until it ended.
func TestClosedSessionIsForgotten(t *testing.T) {
	r := sessionBinding{&run{}}
	a, b, c := new(session.Session), new(session.Session), new(session.Session)
	r.sessions = []*session.Session{a, b, c}
	r.forget(a)
	r.forget(a) // a second close finds nothing
	if len(r.sessions) != 2 || r.sessions[0] != c || r.sessions[1] != b {
		t.Fatalf("after forgetting a: %v, want [c b]", r.sessions)
	}
	r.forget(b)
	r.forget(c)
	if len(r.sessions) != 0 {
		t.Fatalf("after forgetting all: %d left", len(r.sessions))
	}
}
