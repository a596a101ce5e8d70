package main

import (
	"strings"
	"testing"

	"github.com/mailexpect/mailexpect/internal/onep"
)

// The tests call run in a process of their own: they keep Go's default.
func init() { onep.Release() }

// TestOneServerAtATime: which runs keep the one P the process started
// with.
func TestOneServerAtATime(t *testing.T) {
	for _, tc := range []struct {
		args string
		want bool
	}{
		{"check.lua", true},
		{"-e x=1", true},
		{"--each rows.csv --jobs 1 clean.lua", true},
		{"--each rows.csv --jobs 4 clean.lua", false},
		{"--each rows.csv clean.lua", false},
		{"--sandbox check.lua", false},
		{"--sandbox --each rows.csv --jobs 1 clean.lua", false},
		{"sandbox", false},
		{"serve --config probes.yml", false},
		{"replay rec.jsonl", false},
		{"test", false},
		{"connect pop3://127.0.0.1", false},
		{"send --to a@example.org --server smtp://127.0.0.1", false},
	} {
		o, err := parseArgs(strings.Fields(tc.args))
		if err != nil {
			t.Errorf("%s: %v", tc.args, err)
			continue
		}
		if got := oneServerAtATime(o); got != tc.want {
			t.Errorf("mailexpect %s: one server at a time = %v, want %v", tc.args, got, tc.want)
		}
	}
}
