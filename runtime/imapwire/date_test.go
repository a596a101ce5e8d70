package imapwire

import (
	"testing"
	"time"
)

func TestFormatDate(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), "1-Jan-2024"},
		{time.Date(2026, 11, 25, 23, 59, 59, 0, time.UTC), "25-Nov-2026"},
		// the day in UTC, whatever the zone of t
		{time.Date(2026, 11, 26, 1, 0, 0, 0, time.FixedZone("+0200", 7200)), "25-Nov-2026"},
		{time.Unix(0, 0), "1-Jan-1970"},
		{time.Date(2000, 2, 29, 12, 0, 0, 0, time.UTC), "29-Feb-2000"},
	}
	for _, tt := range tests {
		if got := FormatDate(tt.t); got != tt.want {
			t.Errorf("FormatDate(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}

func TestParseDateTime(t *testing.T) {
	tests := []struct {
		in   string
		want int64 // epoch seconds; -1: an error
	}{
		{" 1-Jan-2024 10:00:00 +0000", 1704103200},
		{"1-Jan-2024 10:00:00 +0000", 1704103200},
		{"01-jan-2024 10:00:00 +0000", 1704103200},
		{"25-NOV-2026 20:51:53 -0130", 1795645313},
		{"29-Feb-2024 00:00:00 +0100", 1709161200},
		{"1-Jan-2024 10:00:00", -1},
		{"31-Feb-2024 10:00:00 +0000", -1},
		{"1-Foo-2024 10:00:00 +0000", -1},
		{"", -1},
	}
	for _, tt := range tests {
		got, err := ParseDateTime(tt.in)
		switch {
		case tt.want == -1 && err == nil:
			t.Errorf("ParseDateTime(%q) = %v, want an error", tt.in, got)
		case tt.want != -1 && (err != nil || got.Unix() != tt.want):
			t.Errorf("ParseDateTime(%q) = %d, %v; want %d", tt.in, got.Unix(), err, tt.want)
		}
	}
}
