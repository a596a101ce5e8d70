package sandbox

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Event is one line of the sandbox's event log (listening, connections,
// logins, deliveries, faults firing), as Config.Logf gets it, with the
// demo users' passwords masked.
type Event struct {
	ID   int64     `json:"id"` // 1, 2, ... in order
	Time time.Time `json:"time"`
	Text string    `json:"text"`
}

// maxEvents is how many events the sandbox keeps for the web view.
const maxEvents = 2000

// eventLog keeps the last maxEvents events and wakes those waiting for
// the next one (the web view's live log).
type eventLog struct {
	mask *strings.Replacer

	mu     sync.Mutex
	events []Event
	nextID int64
	wake   chan struct{} // closed and replaced at every event
}

func newEventLog(users []User) *eventLog {
	var pairs []string
	for _, u := range users {
		pairs = append(pairs, u.Pass, "***")
	}
	return &eventLog{mask: strings.NewReplacer(pairs...), wake: make(chan struct{})}
}

func (l *eventLog) add(format string, args ...any) {
	text := l.mask.Replace(fmt.Sprintf(format, args...))
	l.mu.Lock()
	defer l.mu.Unlock()
	l.nextID++
	l.events = append(l.events, Event{ID: l.nextID, Time: time.Now(), Text: text})
	if over := len(l.events) - maxEvents; over > 0 {
		l.events = append(l.events[:0:0], l.events[over:]...)
	}
	close(l.wake)
	l.wake = make(chan struct{})
}

// Events returns the kept events with an ID above after (0: all of them),
// and a channel closed when the next event arrives.
func (s *Server) Events(after int64) ([]Event, <-chan struct{}) {
	l := s.events
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for _, e := range l.events {
		if e.ID > after {
			out = append(out, e)
		}
	}
	return out, l.wake
}
