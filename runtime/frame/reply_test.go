package frame

import (
	"regexp"
	"testing"
)

// enhancedSpec is RFC 3463's code syntax at the start of a reply text, as
// a regexp: Enhanced must agree with it.
var enhancedSpec = regexp.MustCompile(`^([245]\.[0-9]{1,3}\.[0-9]{1,3})(?: |$)`)

func TestEnhanced(t *testing.T) {
	tests := []struct{ text, want string }{
		{"2.1.5 Ok", "2.1.5"},
		{"5.7.1", "5.7.1"},
		{"4.123.999 try later", "4.123.999"},
		{"2.0.0\tOk", ""}, // a space must follow
		{"3.1.1 no class 3", ""},
		{"2.1234.5 subject too long", ""},
		{"2.1.5678 detail too long", ""},
		{"2..5 empty subject", ""},
		{"2.1. empty detail", ""},
		{"2.1.5x", ""},
		{"Ok 2.1.5", ""},
		{"", ""},
		{"2.1", ""},
	}
	for _, tt := range tests {
		if got := Enhanced(tt.text); got != tt.want {
			t.Errorf("Enhanced(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func FuzzEnhanced(f *testing.F) {
	for _, s := range []string{"2.1.5 Ok", "5.7.1", "4.12.345", "2.1.5x", "2.1234.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		want := ""
		if m := enhancedSpec.FindStringSubmatch(text); m != nil {
			want = m[1]
		}
		if got := Enhanced(text); got != want {
			t.Fatalf("Enhanced(%q) = %q, the RFC 3463 syntax says %q", text, got, want)
		}
	})
}
