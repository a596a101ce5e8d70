package mime_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailexpect/mailexpect/internal/pyemail"
	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/mime"
)

// binary has every byte value, CR and LF alone and together, and a line
// that starts with a dot: what a careless encoder or SMTP layer would break.
var binary = func() []byte {
	b := []byte{0, '\r', '\n', '.', '\n', '\r', '\r', '\n'}
	for i := 0; i < 256; i++ {
		b = append(b, byte(i))
	}
	return append(b, ".\r\n.\r\n"...)
}()

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// TestComposeReadByPython: what Compose writes, Python reads back as
// meant: decoded headers, the tree, file names, bytes and text.
func TestComposeReadByPython(t *testing.T) {
	msg, err := mime.Compose(&mime.Message{
		From:    "Jörg Müller <joerg@example.test>",
		To:      []string{"a@example.test, Zoë <z@example.test>"},
		Cc:      []string{"c@example.test"},
		Subject: "Grüße aus Köln – ein Betreff, der länger ist als eine Zeile von achtundsiebzig Zeichen",
		Header: []mime.Field{
			{"X-Mailexpect-Test", "wert mit ümlaut"},
			{"Reply-To", "Zoë <z@example.test>"},
			{"X-Ascii", "plain"},
		},
		Text: "Hallo,\nüber alles.\n.dot line\n" + strings.Repeat("long ", 40),
		HTML: "<p>Hallo <b>Welt</b> – ü</p>",
		Attachments: []mime.Attachment{
			{Name: "daten.bin", Data: binary},
			{Name: "Übersicht März.pdf", Data: []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")},
			{Data: []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")},
		},
		Now: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range bytes.Split(msg, []byte("\r\n")) {
		if bytes.ContainsAny(line, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 998 || (len(line) > 78 && !bytes.HasPrefix(line, []byte("Subject: =?"))) {
			t.Errorf("line %d is %d bytes long: %q", i+1, len(line), line)
		}
		for _, c := range line {
			if c >= 0x80 {
				t.Fatalf("line %d is not 7-bit: %q", i+1, line)
			}
		}
	}
	py := pyemail.Parse(t, msg)
	py.WantHeaders(t, map[string]string{
		"From":              "Jörg Müller <joerg@example.test>",
		"To":                "a@example.test, Zoë <z@example.test>",
		"Cc":                "c@example.test",
		"Subject":           "Grüße aus Köln – ein Betreff, der länger ist als eine Zeile von achtundsiebzig Zeichen",
		"X-Mailexpect-Test": "wert mit ümlaut",
		"Reply-To":          "Zoë <z@example.test>",
		"X-Ascii":           "plain",
		"Date":              "Sun, 06 Dec 2026 10:00:00 +0000",
		"MIME-Version":      "1.0",
	})
	if id := py.Header("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.test>") {
		t.Errorf("Message-ID %q: want <random@example.test>", id)
	}
	var types []string
	for _, p := range py.Parts {
		types = append(types, p.Type)
		if len(p.Defects) > 0 {
			t.Errorf("%s part: defects %v", p.Type, p.Defects)
		}
	}
	want := []string{"multipart/mixed", "multipart/alternative", "text/plain", "text/html",
		"application/octet-stream", "application/pdf", "image/png"}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Fatalf("the tree (-want +got):\n%s", diff)
	}
	p := py.Parts
	if got := strings.ReplaceAll(str(p[2].Text), "\r\n", "\n"); got != "Hallo,\nüber alles.\n.dot line\n"+strings.Repeat("long ", 40) {
		t.Errorf("text: %q", got)
	}
	if got := strings.ReplaceAll(str(p[3].Text), "\r\n", "\n"); got != "<p>Hallo <b>Welt</b> – ü</p>" {
		t.Errorf("html: %q", got)
	}
	if !bytes.Equal(p[4].Data, binary) || str(p[4].Filename) != "daten.bin" || str(p[4].Disposition) != "attachment" {
		t.Errorf("binary attachment: name %s, %s, bytes equal %v", str(p[4].Filename), str(p[4].Disposition), bytes.Equal(p[4].Data, binary))
	}
	if str(p[5].Filename) != "Übersicht März.pdf" {
		t.Errorf("RFC 2231 file name: python reads %s", str(p[5].Filename))
	}
	if !bytes.Contains(msg, []byte(`filename*=utf-8''%C3%9Cbersicht%20M%C3%A4rz.pdf`)) {
		t.Errorf("the file name is not RFC 2231 encoded:\n%s", msg)
	}
	if p[6].Filename != nil {
		t.Errorf("an attachment without a name got one: %s", str(p[6].Filename))
	}

	// And mailexpect's own parser agrees.
	root, err := mime.Parse(msg)
	if err != nil {
		t.Fatal(err)
	}
	if got := root.Get("subject"); got != py.Header("Subject") {
		t.Errorf("Parse subject %q", got)
	}
	var leaves []*mime.Part
	root.Walk(func(p *mime.Part) {
		if p.Parts == nil {
			leaves = append(leaves, p)
		}
	})
	if len(leaves) != 5 || !bytes.Equal(leaves[2].Body, binary) || leaves[3].Filename != "Übersicht März.pdf" ||
		!leaves[2].IsAttachment() || leaves[0].IsAttachment() || string(leaves[1].Body) != "<p>Hallo <b>Welt</b> – ü</p>" {
		t.Errorf("Parse leaves: %d, binary equal %v, name %q", len(leaves), len(leaves) > 2 && bytes.Equal(leaves[2].Body, binary), leaves[3].Filename)
	}
}

// TestComposeShapes: the structure chosen for each combination, and the
// transfer encoding for each kind of text.
func TestComposeShapes(t *testing.T) {
	tests := []struct {
		name string
		m    mime.Message
		want []string // substrings, in order
		not  []string
	}{
		{"ascii text is 7bit", mime.Message{Text: "hello\nworld"},
			[]string{"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nhello\r\nworld"},
			[]string{"multipart"}},
		{"no body at all is an empty text", mime.Message{Subject: "x"},
			[]string{"Subject: x\r\n", "Content-Type: text/plain", "\r\n\r\n"}, nil},
		{"8-bit text is quoted-printable", mime.Message{Text: "über"},
			[]string{"Content-Transfer-Encoding: quoted-printable\r\n\r\n=C3=BCber"}, nil},
		{"a long ascii line is quoted-printable", mime.Message{Text: strings.Repeat("x", 100)},
			[]string{"quoted-printable", "=\r\n"}, nil},
		{"html alone", mime.Message{HTML: "<p>x</p>"}, []string{"Content-Type: text/html; charset=utf-8"}, []string{"multipart", "text/plain"}},
		{"attachment alone", mime.Message{Attachments: []mime.Attachment{{Name: "a.csv", Data: []byte("a,b")}}},
			[]string{"multipart/mixed", "Content-Type: text/csv", "filename=a.csv", "YSxi"}, []string{"text/plain"}},
		{"header order: fields, given, Date, Message-ID, MIME", mime.Message{From: "a@x.test", To: []string{"b@x.test"}, Subject: "s",
			Header: []mime.Field{{"X-One", "1"}, {"X-Two", "2"}}},
			[]string{"From: <a@x.test>\r\nTo: <b@x.test>\r\nSubject: s\r\nX-One: 1\r\nX-Two: 2\r\nDate: ", "\r\nMessage-ID: <", "@x.test>\r\nMIME-Version: 1.0\r\n"}, nil},
		{"given headers win over the fields", mime.Message{From: "env@x.test", Header: []mime.Field{{"From", "Shown <shown@x.test>"}, {"Date", "Mon, 01 Jan 2024 00:00:00 +0000"}, {"Message-ID", "<fixed@x.test>"}}},
			[]string{"From: Shown <shown@x.test>\r\nDate: Mon, 01 Jan 2024 00:00:00 +0000\r\nMessage-ID: <fixed@x.test>\r\nMIME-Version"},
			[]string{"env@x.test", "Date: Mon, 01 Jan 2024 00:00:00 +0000\r\nDate"}},
		{"the null sender makes no From", mime.Message{From: "<>"}, []string{"Date: "}, []string{"From:"}},
		{"own MIME body passes through", mime.Message{Header: []mime.Field{{"Content-Type", "multipart/mixed; boundary=b"}}, Text: "--b\n\nx\n--b--\n"},
			[]string{"Content-Type: multipart/mixed; boundary=b\r\nDate: ", "MIME-Version: 1.0\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n"},
			[]string{"Content-Transfer-Encoding"}},
		{"a long non-ASCII header folds between encoded words", mime.Message{Subject: strings.Repeat("ü", 60)},
			[]string{"Subject: =?utf-8?q?", "?=\r\n =?utf-8?q?"}, nil},
		{"a long ASCII header is folded", mime.Message{Subject: strings.Repeat("word ", 30)},
			[]string{"Subject: word word", "\r\n word"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := mime.Compose(&tt.m)
			if err != nil {
				t.Fatal(err)
			}
			s := string(b)
			rest := s
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("missing (or out of order) %q in:\n%s", w, s)
				}
				rest = rest[i+len(w):]
			}
			for _, n := range tt.not {
				if strings.Contains(s, n) {
					t.Errorf("unexpected %q in:\n%s", n, s)
				}
			}
			if _, err := mime.Parse(b); err != nil {
				t.Errorf("Parse of the result: %v", err)
			}
		})
	}
}

// TestComposeRefuses: bad input is an error of the right kind, naming
// what was wrong, never a message that silently differs.
func TestComposeRefuses(t *testing.T) {
	tests := []struct {
		name string
		m    mime.Message
		kind failure.Kind
		msg  string
	}{
		{"CRLF in a subject", mime.Message{Subject: "x\r\nBcc: evil@x.test"}, failure.Injection, "header Subject contains CR, LF or NUL"},
		{"LF in a header value", mime.Message{Header: []mime.Field{{"X-A", "a\nb"}}}, failure.Injection, "header X-A contains CR, LF or NUL"},
		{"space in a header name", mime.Message{Header: []mime.Field{{"Bad Name", "x"}}}, failure.Usage, `bad header name "Bad Name"`},
		{"empty header name", mime.Message{Header: []mime.Field{{"", "x"}}}, failure.Usage, "header name is empty"},
		{"bad address", mime.Message{To: []string{"c@x>.test"}}, failure.Usage, `to: bad address "c@x>.test"`},
		{"non-ASCII Message-ID", mime.Message{Header: []mime.Field{{"Message-ID", "<ü@x>"}}}, failure.Usage, "header Message-ID must be ASCII"},
		{"body not UTF-8", mime.Message{Text: "\xff\xfe"}, failure.Usage, "body is not valid UTF-8 text"},
		{"html with own MIME", mime.Message{Header: []mime.Field{{"Content-Type", "text/plain"}}, HTML: "<p>"}, failure.Usage, "already MIME"},
		{"bad attachment type", mime.Message{Attachments: []mime.Attachment{{Name: "a", Type: "pdf", Data: []byte("x")}}}, failure.Usage, `attachment 1: bad type "pdf"`},
		{"multipart attachment type", mime.Message{Attachments: []mime.Attachment{{Type: "multipart/mixed", Data: []byte("x")}}}, failure.Usage, "attachment 1: bad type"},
		{"attachment name with LF", mime.Message{Attachments: []mime.Attachment{{Name: "a\nb", Data: []byte("x")}}}, failure.Usage, "attachment 1: the name must be UTF-8 text on one line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := mime.Compose(&tt.m)
			if err == nil {
				t.Fatalf("no error; composed:\n%s", b)
			}
			if k := failure.KindOf(err); k != tt.kind {
				t.Errorf("kind %q, want %q (%v)", k, tt.kind, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
		})
	}
}

// TestParse: messages written by others, decoded.
func TestParse(t *testing.T) {
	raw := "From: =?iso-8859-1?q?J=F6rg?= <j@x.test>\r\n" +
		"Subject: =?utf-8?b?R3LDvMOfZQ==?=\r\n" +
		"X-Folded: one\r\n two\r\n" +
		"Content-Type: multipart/mixed; boundary=xx\r\n\r\n" +
		"preamble\r\n--xx\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe\r\n" +
		"--xx\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n filename*=utf-8''%C3%A4.bin\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n/w==\r\n" +
		"--xx--\r\n"
	p, err := mime.Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if p.Get("From") != "Jörg <j@x.test>" || p.Get("subject") != "Grüße" || p.Get("X-Folded") != "one two" {
		t.Errorf("headers: %q %q %q", p.Get("From"), p.Get("subject"), p.Get("X-Folded"))
	}
	if p.Raw[1].Value != "=?utf-8?b?R3LDvMOfZQ==?=" || p.Header[0].Name != "From" {
		t.Errorf("raw fields: %+v", p.Raw)
	}
	if p.Type != "multipart/mixed" || len(p.Parts) != 2 {
		t.Fatalf("tree: %s with %d parts", p.Type, len(p.Parts))
	}
	if string(p.Parts[0].Body) != "Grüße" || p.Parts[0].Charset != "iso-8859-1" {
		t.Errorf("latin-1 text: %q (%s)", p.Parts[0].Body, p.Parts[0].Charset)
	}
	a := p.Parts[1]
	if !bytes.Equal(a.Body, []byte{0, 1, 2, 255}) || a.Filename != "ä.bin" || !a.IsAttachment() {
		t.Errorf("attachment: %q %q", a.Body, a.Filename)
	}

	deep := "x"
	for i := 0; i < 40; i++ {
		b := fmt.Sprintf("b%d", i)
		deep = "Content-Type: multipart/mixed; boundary=" + b + "\r\n\r\n--" + b + "\r\n" + deep + "\r\n--" + b + "--\r\n"
	}
	if _, err := mime.Parse([]byte(deep)); err == nil || !strings.Contains(err.Error(), "nesting deeper than 32") {
		t.Errorf("deep nesting: %v", err)
	}
	if _, err := mime.Parse([]byte("no colon here\r\n\r\nbody")); err == nil {
		t.Errorf("a header line without a colon parsed")
	}
}

func ExampleCompose() {
	msg, _ := mime.Compose(&mime.Message{
		From:    "Jörg <joerg@example.com>",
		To:      []string{"ops@example.com"},
		Subject: "Grüße",
		Header:  []mime.Field{{"Date", "Sun, 06 Dec 2026 10:00:00 +0000"}, {"Message-ID", "<1@example.com>"}},
		Text:    "hello\n",
	})
	fmt.Print(strings.ReplaceAll(string(msg), "\r\n", "\n"))
	// Output:
	// From: =?utf-8?q?J=C3=B6rg?= <joerg@example.com>
	// To: <ops@example.com>
	// Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=
	// Date: Sun, 06 Dec 2026 10:00:00 +0000
	// Message-ID: <1@example.com>
	// MIME-Version: 1.0
	// Content-Type: text/plain; charset=utf-8
	// Content-Transfer-Encoding: 7bit
	//
	// hello
}
