package recording_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mailexpect/mailexpect/runtime/recording"
)

// A recording is edited by hand: any text must parse or be refused with
// a line number, never panic, and data must survive Escape/Unescape.
func FuzzParse(f *testing.F) {
	f.Add(recording.Magic + "\nsession 1 tcp a:1 label=\"x y\"\n 0.1 S: 220 \\x00\\x5cx\n C: ***\n ~ (a)(b)?\ntls version=\"TLS 1.3\" not_after=2026-01-02T15:04:05Z\neof\nclose\npause 1s\n")
	f.Add(recording.Magic + "\nenv A=\"b c\"\nsandbox-user u u@x\nsession 2 exec \"sh -c\"\nC+ \\xff\nS+ x\n")
	f.Fuzz(func(t *testing.T, text string) {
		rec, err := recording.Parse(strings.NewReader(text), "f.rec")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.rec") {
				t.Errorf("error without the file name: %v", err)
			}
			return
		}
		for _, s := range rec.Sessions {
			for _, e := range s.Events {
				if got := recording.Unescape(recording.Escape(e.Data)); !bytes.Equal(got, e.Data) {
					t.Errorf("round trip of %q: %q", e.Data, got)
				}
			}
		}
	})
}
