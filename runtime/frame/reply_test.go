package frame

import (
	"regexp"
	"strings"
	"testing"

	"github.com/mailexpect/mailexpect/runtime/failure"
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

// TestReplyBuilderMax: a reply that grows past Max fails with kind full
// and says how far it got, instead of growing without end.
func TestReplyBuilderMax(t *testing.T) {
	b := ReplyBuilder{Max: 100}
	var err error
	lines := 0
	for err == nil && lines < 1000 {
		_, err = b.Add("250-" + strings.Repeat("x", 20))
		lines++
	}
	if failure.KindOf(err) != failure.Full || lines != 4 {
		t.Fatalf("after %d lines: %v, want kind full at line 4", lines, err)
	}
	if want := "reply 250 still not finished after 4 lines (104 bytes), more than match_max (100)"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q lacks %q", err, want)
	}
	// Within the bound: a whole reply.
	b = ReplyBuilder{Max: 100}
	b.Add("250-a")
	if done, err := b.Add("250 b"); !done || err != nil || b.Reply().Text != "a\nb" {
		t.Errorf("done %v, err %v, reply %+v", done, err, b.Reply())
	}
}

// FuzzReplyBuilder: any lines give a reply, a protocol error or (past
// Max) a full error; the lines kept never exceed Max.
func FuzzReplyBuilder(f *testing.F) {
	for _, s := range []string{"250-a\n250 b", "220 hi", "250-x\n251 y", "334", "2", "250-" + strings.Repeat("x", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		b := ReplyBuilder{Max: 256}
		size := 0
		for _, line := range strings.Split(text, "\n") {
			done, err := b.Add(line)
			if err != nil {
				if k := failure.KindOf(err); k != failure.Protocol && k != failure.Full {
					t.Fatalf("kind %q: %v", k, err)
				}
				if strings.ContainsAny(err.Error(), "\r\n") {
					t.Fatalf("message is not one line: %q", err)
				}
				return
			}
			size += len(line) + 2
			if size > b.Max {
				t.Fatalf("%d bytes kept, Max %d", size, b.Max)
			}
			if done {
				r := b.Reply()
				if len(r.Lines) == 0 || r.Code < 100 || r.Code > 599 {
					t.Fatalf("reply %+v", r)
				}
				return
			}
		}
	})
}
