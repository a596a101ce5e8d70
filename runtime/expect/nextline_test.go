package expect

import "testing"

// NextLine returns the same lines as ReadLine, without copying: the line
// aliases the buffer until it changes.
func TestNextLine(t *testing.T) {
	b := NewBuffer(0)
	b.Write([]byte("one\r\ntwo\nthr"))
	for _, want := range []string{"one", "two"} {
		l, ok := b.NextLine(false)
		if !ok || string(l) != want {
			t.Fatalf("NextLine = %q, %v; want %q", l, ok, want)
		}
	}
	if l, ok := b.NextLine(false); ok {
		t.Fatalf("incomplete line returned before eof: %q", l)
	}
	b.Write([]byte("ee\r"))
	if l, ok := b.NextLine(true); !ok || string(l) != "three" {
		t.Fatalf("at eof: %q, %v", l, ok)
	}
	if b.Len() != 0 {
		t.Errorf("%d bytes left", b.Len())
	}
}
