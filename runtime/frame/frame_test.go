package frame

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mailexpect/mailexpect/runtime/failure"
)

func TestReplyBuilder(t *testing.T) {
	tests := []struct {
		name    string
		lines   []string
		want    *failure.ServerReply
		errKind failure.Kind
	}{
		{"single", []string{"250 OK"}, &failure.ServerReply{Code: 250, Lines: []string{"OK"}, Text: "OK"}, ""},
		{"bare code", []string{"334"}, &failure.ServerReply{Code: 334, Lines: []string{""}, Text: ""}, ""},
		{"multi", []string{"250-mx.example", "250-PIPELINING", "250 SIZE 100"},
			&failure.ServerReply{Code: 250, Lines: []string{"mx.example", "PIPELINING", "SIZE 100"}, Text: "mx.example\nPIPELINING\nSIZE 100"}, ""},
		{"enhanced", []string{"550-5.7.1 no", "550 5.7.1 really not"},
			&failure.ServerReply{Code: 550, Enhanced: "5.7.1", Lines: []string{"5.7.1 no", "5.7.1 really not"}, Text: "5.7.1 no\n5.7.1 really not"}, ""},
		{"not enhanced: ip address", []string{"554 1.2.3.4 rejected"},
			&failure.ServerReply{Code: 554, Lines: []string{"1.2.3.4 rejected"}, Text: "1.2.3.4 rejected"}, ""},
		{"not enhanced: class 3", []string{"250 3.1.0 odd"},
			&failure.ServerReply{Code: 250, Lines: []string{"3.1.0 odd"}, Text: "3.1.0 odd"}, ""},
		{"mixed codes", []string{"250-a", "251 b"}, nil, failure.Protocol},
		{"garbage", []string{"+OK hello"}, nil, failure.Protocol},
		{"bad separator", []string{"250_x"}, nil, failure.Protocol},
		{"code 600", []string{"600 x"}, nil, failure.Protocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b ReplyBuilder
			var err error
			done := false
			for _, l := range tt.lines {
				if done, err = b.Add(l); err != nil {
					break
				}
			}
			if tt.errKind != "" {
				if !failure.Is(err, tt.errKind) {
					t.Fatalf("err = %v, want kind %s", err, tt.errKind)
				}
				return
			}
			if err != nil || !done {
				t.Fatalf("done=%v err=%v", done, err)
			}
			if diff := cmp.Diff(tt.want, b.Reply()); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnstuff(t *testing.T) {
	tests := []struct {
		in   string
		want string
		end  bool
	}{
		{".", "", true},
		{"..", ".", false},
		{"..x", ".x", false},
		{"x.", "x.", false},
		{"", "", false},
		{"...", "..", false},
	}
	for _, tt := range tests {
		got, end := Unstuff([]byte(tt.in))
		if string(got) != tt.want || end != tt.end {
			t.Errorf("Unstuff(%q) = %q,%v want %q,%v", tt.in, got, end, tt.want, tt.end)
		}
	}
}

func TestDotWriter(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ".\r\n"},
		{"a", "a\r\n.\r\n"},
		{"a\r\n", "a\r\n.\r\n"},
		{".a\n.\nb", "..a\r\n..\r\nb\r\n.\r\n"},
		{"bare\rcr\r\n\r\nlf\n", "bare\r\ncr\r\n\r\nlf\r\n.\r\n"},
		{"x\r\n.\r\n", "x\r\n..\r\n.\r\n"},
		{"\r\n", "\r\n.\r\n"},
	}
	for _, tt := range tests {
		for split := 0; split <= len(tt.in); split++ {
			var out bytes.Buffer
			d := NewDotWriter(&out)
			d.Write([]byte(tt.in[:split]))
			d.Write([]byte(tt.in[split:]))
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("DotWriter(%q split %d) = %q, want %q", tt.in, split, out.String(), tt.want)
			}
		}
		if got := string(AppendDot([]byte("prefix"), []byte(tt.in))); got != "prefix"+tt.want {
			t.Errorf("AppendDot(%q) = %q, want %q after the prefix", tt.in, got, tt.want)
		}
	}
}

// dotModel is the byte-at-a-time definition of dot-stuffing that
// DotWriter and AppendDot copy a line at a time.
func dotModel(in []byte) []byte {
	var out []byte
	state := dwLineStart
	for _, c := range in {
		switch {
		case c == '\n' && state == dwCR:
			state = dwLineStart
		case c == '\r' || c == '\n':
			out = append(out, '\r', '\n')
			state = dwLineStart
			if c == '\r' {
				state = dwCR
			}
		default:
			if c == '.' && state != dwInLine {
				out = append(out, '.')
			}
			out = append(out, c)
			state = dwInLine
		}
	}
	if state == dwInLine {
		out = append(out, '\r', '\n')
	}
	return append(out, '.', '\r', '\n')
}

func FuzzDotStuffing(f *testing.F) {
	for _, s := range []string{"", ".", "a\r\n.\r\n", "\r\r\n\n.", ".\r.\n..\r\n", "x\ry\nz"} {
		f.Add(s, 1)
	}
	f.Fuzz(func(t *testing.T, in string, split int) {
		want := dotModel([]byte(in))
		if got := AppendDot(nil, []byte(in)); !bytes.Equal(got, want) {
			t.Fatalf("AppendDot(%q) = %q, want %q", in, got, want)
		}
		split = min(max(split, 0), len(in))
		var out bytes.Buffer
		d := NewDotWriter(&out)
		d.Write([]byte(in[:split]))
		d.Write([]byte(in[split:]))
		d.Close()
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("DotWriter(%q split %d) = %q, want %q", in, split, out.Bytes(), want)
		}
	})
}
