package imapwire

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMailboxUTF7(t *testing.T) {
	tests := []struct{ utf8, utf7 string }{
		{"INBOX", "INBOX"},
		{"", ""},
		{"Tom & Jerry", "Tom &- Jerry"},
		{"&", "&-"},
		{"Entwürfe", "Entw&APw-rfe"},
		{"日本語", "&ZeVnLIqe-"},
		{"~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"}, // RFC 3501 5.1.3
		{"Gelöschte Elemente", "Gel&APY-schte Elemente"},
		{"😀", "&2D3eAA-"},   // a surrogate pair
		{"a\tb", "a&AAk-b"}, // control characters are encoded
		{"Ünïcödé", "&ANw-n&AO8-c&APY-d&AOk-"},
	}
	for _, tt := range tests {
		got, err := EncodeMailbox(tt.utf8)
		if err != nil || got != tt.utf7 {
			t.Errorf("EncodeMailbox(%q) = %q, %v; want %q", tt.utf8, got, err, tt.utf7)
		}
		back, err := DecodeMailbox(tt.utf7)
		if err != nil || back != tt.utf8 {
			t.Errorf("DecodeMailbox(%q) = %q, %v; want %q", tt.utf7, back, err, tt.utf8)
		}
	}
}

func TestDecodeMailboxRefuses(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Entw\xc3\xbcrfe", "not printable ASCII"},
		{"&APw", "no closing"},
		{"&AGE-", "printable ASCII"},       // "a" must not be encoded
		{"&APw-&APw-", "two encoded runs"}, // must be one run
		{"&AP!-", "not modified base64"},
		{"&APx-", "bad padding"},              // non-zero padding bits
		{"&2D0-", "broken surrogate pair"},    // high surrogate alone
		{"&3gDYPQ-", "broken surrogate pair"}, // low before high
		{"&A-", "bad padding"},
	}
	for _, tt := range tests {
		got, err := DecodeMailbox(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("DecodeMailbox(%q) = %q, %v; want an error with %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := EncodeMailbox("a\xffb"); err != ErrNotUTF8 {
		t.Errorf("EncodeMailbox(invalid UTF-8) = %v, want ErrNotUTF8", err)
	}
}

func FuzzMailboxUTF7(f *testing.F) {
	for _, s := range []string{"INBOX", "Entwürfe", "日本語", "&", "😀x", "a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc, err := EncodeMailbox(s)
		if !utf8.ValidString(s) {
			if err == nil {
				t.Fatalf("EncodeMailbox(%q) accepted invalid UTF-8", s)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(enc); i++ {
			if enc[i] < 0x20 || enc[i] > 0x7e {
				t.Fatalf("EncodeMailbox(%q) = %q has a non-printable byte", s, enc)
			}
		}
		dec, err := DecodeMailbox(enc)
		if err != nil || dec != s {
			t.Fatalf("round trip %q -> %q -> %q, %v", s, enc, dec, err)
		}
		// Whatever decodes must encode back to the same bytes: the
		// encoding is canonical, so a name is never sent differently
		// from how the server listed it.
		if d, err := DecodeMailbox(s); err == nil {
			if e, _ := EncodeMailbox(d); e != s {
				t.Fatalf("DecodeMailbox(%q) = %q encodes to %q", s, d, e)
			}
		}
	})
}
