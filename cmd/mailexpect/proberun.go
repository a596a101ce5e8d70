package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/mailexpect/mailexpect/internal/probe"
	luabind "github.com/mailexpect/mailexpect/luabind"
	"github.com/mailexpect/mailexpect/runtime/session"
)

// collector gathers what a run tells a prober: the check module's result
// (its JSON form, through Config.OnCheckResult) and the TLS state of every
// session the script opened. mailexpect serve and --prom both use it.
type collector struct {
	mu       sync.Mutex
	check    []byte
	sessions []*session.Session

	// out, when set, is the run's held print output: checkAt is its
	// length when the check module reported, which is where its status
	// line starts (--plugin puts it first).
	out     *limitedBuffer
	checkAt int
}

// hook wires the collector into cfg.
func (c *collector) hook(cfg *luabind.Config) {
	cfg.OnCheckResult = func(j []byte) {
		c.mu.Lock()
		c.check = j
		if c.out != nil {
			c.checkAt = c.out.Len()
		}
		c.mu.Unlock()
	}
	cfg.OnSession = func(s *session.Session) {
		c.mu.Lock()
		c.sessions = append(c.sessions, s)
		c.mu.Unlock()
	}
}

// checkJSON is the part of the check module's --json object a prober reads.
type checkJSON struct {
	State   string `json:"state"`
	Exit    int    `json:"exit_code"`
	Message string `json:"message"`
	Service string `json:"service"`
	Metrics []struct {
		Label string   `json:"label"`
		Value *float64 `json:"value"` // null: could not be measured
		UOM   string   `json:"uom"`
		Step  bool     `json:"step"`
	} `json:"metrics"`
}

// result builds the probe result of a run that ended with code and err
// after d.
func (c *collector) result(code int, err error, d time.Duration) *probe.Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	res := &probe.Result{Success: code == 0, ExitCode: code, Duration: d}
	if err != nil {
		res.Success = false
		res.Message = err.Error()
	}
	if c.check != nil {
		var cj checkJSON
		if jerr := json.Unmarshal(c.check, &cj); jerr == nil {
			res.Message = checkMessage(cj)
			for _, m := range cj.Metrics {
				if m.Value == nil {
					continue // "U" in perfdata: no sample rather than a made-up number
				}
				if m.Step {
					res.Steps = append(res.Steps, probe.Step{Name: m.Label, Seconds: *m.Value})
				} else {
					res.Metrics = append(res.Metrics, probe.Metric{Name: m.Label, Unit: m.UOM, Value: *m.Value})
				}
			}
		} else {
			res.Message = fmt.Sprintf("unreadable check result: %v", jerr)
		}
	}
	for _, s := range c.sessions {
		if info := s.TLS(); info != nil {
			res.TLS = append(res.TLS, probe.TLS{Version: info.Version, EarliestExpiry: info.EarliestExpiry})
		}
	}
	return res
}

// checkMessage is the check's status without its perfdata: "SMTP OK - ...".
func checkMessage(cj checkJSON) string {
	s := cj.State
	if cj.Service != "" {
		s = cj.Service + " " + s
	}
	if cj.Message != "" {
		s += " - " + cj.Message
	}
	return s
}

// limitedBuffer keeps the first max bytes written to it and counts the
// rest: a script's print output held for a report must not grow without
// bound.
type limitedBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	max     int
	dropped int64
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	room := b.max - b.buf.Len()
	if room < len(p) {
		if room > 0 {
			b.buf.Write(p[:room])
		}
		b.dropped += int64(len(p) - max(room, 0))
		return len(p), nil
	}
	return b.buf.Write(p)
}

// Len is the number of bytes kept.
func (b *limitedBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// String is what was kept, with a note of what was not.
func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dropped == 0 {
		return b.buf.String()
	}
	return fmt.Sprintf("%s\n[%d more bytes not kept]\n", b.buf.String(), b.dropped)
}
