package loadserver

import (
	"bytes"
	"testing"
)

func TestMessage(t *testing.T) {
	for _, size := range []int{128, 1000, 1 << 16, 1<<20 + 7} {
		m := NewMessage(size)
		if len(m.Raw) != size {
			t.Errorf("NewMessage(%d): %d bytes", size, len(m.Raw))
		}
		if !bytes.HasSuffix(m.Raw, []byte("\r\n")) || !bytes.HasSuffix(m.Wire, []byte("\r\n.\r\n")) {
			t.Errorf("NewMessage(%d): bad line ends", size)
		}
		// Unstuffing the wire form gives the raw message back.
		var un []byte
		for _, l := range bytes.SplitAfter(m.Wire, []byte("\n")) {
			if string(l) == ".\r\n" {
				break
			}
			un = append(un, bytes.TrimPrefix(l, []byte("."))...)
		}
		if !bytes.Equal(un, m.Raw) {
			t.Errorf("NewMessage(%d): unstuffed wire differs from raw", size)
		}
	}
	big := NewMessage(1 << 20)
	for _, want := range []string{"\r\n.\r\n", "\r\n..\r\n", "\r\n.starts", "\r\n+OK "} {
		if !bytes.Contains(big.Raw, []byte(want)) {
			t.Errorf("the message lacks %q lines", want)
		}
	}
}

func TestLines(t *testing.T) {
	for _, size := range []int{16, 100, 101, 4096, 1<<20 + 3} {
		l := Lines(size)
		if len(l) != size || !bytes.HasSuffix(l, []byte("\r\n")) || bytes.Contains(l, []byte("250 END")) {
			t.Errorf("Lines(%d): %d bytes, ends %q", size, len(l), l[max(0, len(l)-8):])
		}
	}
}
