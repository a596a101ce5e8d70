package imapwire

import (
	"bytes"
	"errors"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mailexpect/mailexpect/runtime/failure"
)

func TestReadResponse(t *testing.T) {
	bodystructure := `(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23)("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff") "<960723163407.20117h@cac.washington.edu>" "Compiler diff" "BASE64" 4554 73) "MIXED")`
	part := func(name, id, desc, enc string, size, lines uint64) Node {
		params := list(str("CHARSET"), str("US-ASCII"))
		if name != "" {
			params.List = append(params.List, str("NAME"), str(name))
		}
		idn, descn := nilNode, nilNode
		if id != "" {
			idn, descn = str(id), str(desc)
		}
		return list(str("TEXT"), str("PLAIN"), params, idn, descn, str(enc), num(size), num(lines))
	}
	tests := []struct {
		name string
		in   string // LF becomes CRLF
		want *Response
	}{
		{"greeting with capability code",
			"* OK [CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN] Dovecot ready.\n",
			&Response{Type: Untagged, Name: "OK", Code: "CAPABILITY", CodeText: "IMAP4rev1 LITERAL+ AUTH=PLAIN",
				CodeArgs: []Node{atom("IMAP4rev1"), atom("LITERAL+"), atom("AUTH=PLAIN")}, Text: "Dovecot ready."}},
		{"exists", "* 3 EXISTS\n", &Response{Type: Untagged, Number: 3, HasNumber: true, Name: "EXISTS"}},
		{"zero exists", "* 0 EXISTS\n", &Response{Type: Untagged, Number: 0, HasNumber: true, Name: "EXISTS"}},
		{"search", "* SEARCH 2 3 6\n", &Response{Type: Untagged, Name: "SEARCH", Fields: []Node{num(2), num(3), num(6)}}},
		{"empty search", "* SEARCH\n", &Response{Type: Untagged, Name: "SEARCH"}},
		{"esearch", `* ESEARCH (TAG "A282") UID MIN 2 COUNT 3 ALL 2,10:11` + "\n",
			&Response{Type: Untagged, Name: "ESEARCH", Fields: []Node{list(atom("TAG"), str("A282")), atom("UID"),
				atom("MIN"), num(2), atom("COUNT"), num(3), atom("ALL"), atom("2,10:11")}}},
		{"list with flags", `* LIST (\HasNoChildren \Marked) "/" INBOX` + "\n",
			&Response{Type: Untagged, Name: "LIST", Fields: []Node{list(atom(`\HasNoChildren`), atom(`\Marked`)), str("/"), atom("INBOX")}}},
		{"list: NIL delimiter, ']' in an unquoted mailbox", `* LIST () NIL [Gmail]/Sent` + "\n",
			&Response{Type: Untagged, Name: "LIST", Fields: []Node{list(), nilNode, atom("[Gmail]/Sent")}}},
		{"quoted escapes", `* LIST () "\\" "a \"b\" c\\d \x"` + "\n",
			&Response{Type: Untagged, Name: "LIST", Fields: []Node{list(), str(`\`), str(`a "b" c\d \x`)}}},
		{"8-bit quoted", "* LIST () \"/\" \"Gr\xc3\xbc\xc3\x9fe\"\n",
			&Response{Type: Untagged, Name: "LIST", Fields: []Node{list(), str("/"), str("Grüße")}}},
		{"status", "* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\n",
			&Response{Type: Untagged, Name: "STATUS", Fields: []Node{atom("blurdybloop"), list(atom("MESSAGES"), num(231), atom("UIDNEXT"), num(44292))}}},
		{"flags", `* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)` + "\n",
			&Response{Type: Untagged, Name: "FLAGS", Fields: []Node{list(atom(`\Answered`), atom(`\Flagged`), atom(`\Deleted`), atom(`\Seen`), atom(`\Draft`))}}},
		{"permanentflags with \\*", `* OK [PERMANENTFLAGS (\Deleted \Seen \*)] Limited` + "\n",
			&Response{Type: Untagged, Name: "OK", Code: "PERMANENTFLAGS", CodeText: `(\Deleted \Seen \*)`,
				CodeArgs: []Node{list(atom(`\Deleted`), atom(`\Seen`), atom(`\*`))}, Text: "Limited"}},
		{"uidvalidity", "* OK [UIDVALIDITY 3857529045] UIDs valid\n",
			&Response{Type: Untagged, Name: "OK", Code: "UIDVALIDITY", CodeText: "3857529045", CodeArgs: []Node{num(3857529045)}, Text: "UIDs valid"}},
		{"alert", "* OK [ALERT] System shutdown in 10 minutes\n",
			&Response{Type: Untagged, Name: "OK", Code: "ALERT", Text: "System shutdown in 10 minutes"}},
		{"referral url", "* NO [REFERRAL imap://user;AUTH=*@SERVER2/SHARED/FOO] Remote mailbox\n",
			&Response{Type: Untagged, Name: "NO", Code: "REFERRAL", CodeText: "imap://user;AUTH=*@SERVER2/SHARED/FOO",
				CodeArgs: []Node{atom("imap://user;AUTH=*@SERVER2/SHARED/FOO")}, Text: "Remote mailbox"}},
		{"badcharset", `A9 NO [BADCHARSET (UTF-8 "X-y")] no` + "\n",
			&Response{Type: Tagged, Tag: "A9", Name: "NO", Code: "BADCHARSET", CodeText: `(UTF-8 "X-y")`,
				CodeArgs: []Node{list(atom("UTF-8"), str("X-y"))}, Text: "no"}},
		{"unparsable code args keep their raw text", `* OK [XFOO "open] text` + "\n",
			&Response{Type: Untagged, Name: "OK", Code: "XFOO", CodeText: `"open`, Text: "text"}},
		{"an unclosed '[' is text", "* OK [no close\n", &Response{Type: Untagged, Name: "OK", Text: "[no close"}},
		{"text that ends like a literal is text", "* OK done {5}\n", &Response{Type: Untagged, Name: "OK", Text: "done {5}"}},
		{"bye", "* BYE Autologout; idle for too long\n", &Response{Type: Untagged, Name: "BYE", Text: "Autologout; idle for too long"}},
		{"bare OK", "* OK\n", &Response{Type: Untagged, Name: "OK"}},
		{"tagged read-write", "A001 OK [READ-WRITE] SELECT completed\n",
			&Response{Type: Tagged, Tag: "A001", Name: "OK", Code: "READ-WRITE", Text: "SELECT completed"}},
		{"appenduid", "A002 OK [APPENDUID 38505 3955] APPEND completed\n",
			&Response{Type: Tagged, Tag: "A002", Name: "OK", Code: "APPENDUID", CodeText: "38505 3955", CodeArgs: []Node{num(38505), num(3955)}, Text: "APPEND completed"}},
		{"copyuid", "A003 OK [COPYUID 38505 304,319:320 3956:3958] Done\n",
			&Response{Type: Tagged, Tag: "A003", Name: "OK", Code: "COPYUID", CodeText: "38505 304,319:320 3956:3958",
				CodeArgs: []Node{num(38505), atom("304,319:320"), atom("3956:3958")}, Text: "Done"}},
		{"trycreate", "A004 NO [TRYCREATE] No such mailbox\n",
			&Response{Type: Tagged, Tag: "A004", Name: "NO", Code: "TRYCREATE", Text: "No such mailbox"}},
		{"lower-case status", "a1 ok done\n", &Response{Type: Tagged, Tag: "a1", Name: "OK", Text: "done"}},
		{"tagged without text", "A1 BAD\n", &Response{Type: Tagged, Tag: "A1", Name: "BAD"}},
		{"continuation", "+ idling\n", &Response{Type: Continuation, Text: "idling"}},
		{"bare continuation", "+\n", &Response{Type: Continuation}},
		{"sasl challenge", "+ YGgGCSqGSIb3EgECAgIBAAD/////6jcyG4GE3KkTzBeBiVHeceP2CWY0SR0fAQAgAAQEBAQ=\n",
			&Response{Type: Continuation, Text: "YGgGCSqGSIb3EgECAgIBAAD/////6jcyG4GE3KkTzBeBiVHeceP2CWY0SR0fAQAgAAQEBAQ="}},
		{"empty lines between responses are skipped", "\n\n* 1 RECENT\n", &Response{Type: Untagged, Number: 1, HasNumber: true, Name: "RECENT"}},
		{"fetch: section specs and partials are item names",
			"* 12 FETCH (FLAGS (\\Seen) UID 4 BODY[HEADER.FIELDS (SUBJECT FROM)] {22}\nSubject: a (b) [c]\n\n BODY[]<0> {5}\nhello BODY[1.MIME] NIL)\n",
			&Response{Type: Untagged, Number: 12, HasNumber: true, Name: "FETCH", Fields: []Node{list(
				atom("FLAGS"), list(atom(`\Seen`)), atom("UID"), num(4),
				atom("BODY[HEADER.FIELDS (SUBJECT FROM)]"), lit("Subject: a (b) [c]\r\n\r\n"),
				atom("BODY[]<0>"), lit("hello"), atom("BODY[1.MIME]"), nilNode)}}},
		{"fetch: quoted strings inside a section",
			`* 1 FETCH (BODY[HEADER.FIELDS ("X-A" "X-]")] "v")` + "\n",
			&Response{Type: Untagged, Number: 1, HasNumber: true, Name: "FETCH", Fields: []Node{list(atom(`BODY[HEADER.FIELDS ("X-A" "X-]")]`), str("v"))}}},
		{"empty literal", "* 1 FETCH (BODY[] {0}\n)\n",
			&Response{Type: Untagged, Number: 1, HasNumber: true, Name: "FETCH", Fields: []Node{list(atom("BODY[]"), lit(""))}}},
		{"non-synchronizing literal from a server", "* 1 FETCH (BODY[] {2+}\nhi)\n",
			&Response{Type: Untagged, Number: 1, HasNumber: true, Name: "FETCH", Fields: []Node{list(atom("BODY[]"), lit("hi"))}}},
		{"literal8 with NUL", "* 1 FETCH (BINARY[1] ~{3}\na\x00b)\n",
			&Response{Type: Untagged, Number: 1, HasNumber: true, Name: "FETCH", Fields: []Node{list(atom("BINARY[1]"),
				Node{Kind: KindLiteral, Text: "a\x00b", Size: 3, Binary: true})}}},
		{"literal as a top-level field", "* LIST () \"/\" {5}\nINBOX\n",
			&Response{Type: Untagged, Name: "LIST", Fields: []Node{list(), str("/"), lit("INBOX")}}},
		{"bodystructure: adjacent lists", "* 1 FETCH (BODYSTRUCTURE " + bodystructure + ")\n",
			&Response{Type: Untagged, Number: 1, HasNumber: true, Name: "FETCH", Fields: []Node{list(atom("BODYSTRUCTURE"), list(
				part("", "", "", "7BIT", 1152, 23),
				part("cc.diff", "<960723163407.20117h@cac.washington.edu>", "Compiler diff", "BASE64", 4554, 73),
				str("MIXED")))}}},
		{"64-bit modseq; an over-long number is an atom", "* 1 FETCH (MODSEQ (18446744073709551615) X 99999999999999999999)\n",
			&Response{Type: Untagged, Number: 1, HasNumber: true, Name: "FETCH", Fields: []Node{list(
				atom("MODSEQ"), list(num(18446744073709551615)), atom("X"), atom("99999999999999999999"))}}},
		{"bare LF line ends", "* 2 EXPUNGE\n", &Response{Type: Untagged, Number: 2, HasNumber: true, Name: "EXPUNGE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := crlf(tt.in)
			if tt.name == "bare LF line ends" {
				in = tt.in
			}
			r := NewReader(FromReader(strings.NewReader(in)))
			got, err := r.ReadResponse()
			if err != nil {
				t.Fatalf("ReadResponse(%q): %v", in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ReadResponse(%q) mismatch (-want +got):\n%s", in, diff)
			}
			// Nothing may be left: the whole response was consumed.
			if more, err := r.ReadResponse(); !failure.Is(err, failure.EOF) {
				t.Errorf("after the response: %v, %v; want the end of the stream", more, err)
			}
		})
	}
}

func TestReadResponseMalformed(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		quote string // a piece of the offending bytes the message must quote
	}{
		{"no tag", "garbage\n", `"garbage"`},
		{"star without space", "*OK\n", `"*OK"`},
		{"star alone", "* \n", `"* "`},
		{"number without name", "* 3\n", `"* 3"`},
		{"tagged non-status", "A001 FETCH (UID 1)\n", `"A001 FETCH (UID 1)"`},
		{"tag with a special", "A(1 OK x\n", `"A(1 OK x"`},
		{"unterminated list", "* 1 FETCH (UID 1\n", `"* 1 FETCH (UID 1"`},
		{"unexpected close", "* SEARCH 1 ) 2\n", `"* SEARCH 1 ) 2"`},
		{"unterminated quoted", `* LIST () "/" "INBOX` + "\n", `INBOX`},
		{"literal not at the end", "* 1 FETCH (BODY[] {5}x)\n", `{5}x)`},
		{"empty literal size", "* 1 FETCH (BODY[] {})\n", `{})`},
		{"literal size too long", "* 1 FETCH (BODY[] {1234567890123456789})\n", `{1234567890123456789}`},
		{"unclosed section", "* 1 FETCH (BODY[HEADER.FIELDS (FROM) {3}\n", `BODY[HEADER.FIELDS`},
		{"control byte", "* SEARCH 1 \x01\n", `\x01`},
		{"NUL in quoted", "* LIST () \"a\x00b\"\n", `\x00`},
		{"too deep", "* X " + strings.Repeat("(", 200) + "\n", `(((`},
		{"number out of range", "* 99999999999999999999 EXISTS\n", `99999999999999999999`},
		{"literal in the text of a bad name", "* 3 EX{ISTS\n", `EX{ISTS`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(FromReader(strings.NewReader(crlf(tt.in))))
			_, err := r.ReadResponse()
			fe := wantKind(t, err, failure.Protocol)
			if !strings.Contains(fe.Message, tt.quote) {
				t.Errorf("message %q does not quote %s", fe.Message, tt.quote)
			}
			if strings.ContainsAny(fe.Message, "\r\n") || len(fe.Message) > 300 {
				t.Errorf("message is not one short line: %q", fe.Message)
			}
			// The reader lost its place: it keeps saying so.
			if _, err2 := r.ReadResponse(); err2 != err {
				t.Errorf("second call: %v, want the same error", err2)
			}
		})
	}
}

func TestErrorQuoteIsClipped(t *testing.T) {
	long := "* SEARCH " + strings.Repeat("1 ", 5000) + ")" + strings.Repeat(" 2", 5000)
	_, err := NewReader(FromReader(strings.NewReader(long + "\r\n"))).ReadResponse()
	fe := wantKind(t, err, failure.Protocol)
	if len(fe.Message) > 250 || !strings.Contains(fe.Message, `1 1 )`) || !strings.Contains(fe.Message, "...") {
		t.Errorf("message not clipped around the offending byte: %q", fe.Message)
	}
}

// TestLiteralsAreNotLines is curl/curl#22865: a message that contains
// "A004 OK" or "* BYE" lines, or a fake literal announcement, is data.
func TestLiteralsAreNotLines(t *testing.T) {
	body := crlf("Subject: test {5}\nA004 OK pwned\n* BYE fake\n)\n+ go ahead\n")
	in := crlf("* 1 FETCH (BODY[] {"+strconv.Itoa(len(body))+"}\n") + body + crlf(" UID 7)\nA004 OK real\n")
	r := NewReader(FromReader(strings.NewReader(in)))
	resps, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(resps) != 2 {
		t.Fatalf("got %d responses, want 2: %v", len(resps), resps)
	}
	_, items, err := resps[0].Fetch()
	if err != nil {
		t.Fatal(err)
	}
	want := FetchItems{{"BODY[]", lit(body)}, {"UID", num(7)}}
	if diff := cmp.Diff(want, items); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if resps[1].Text != "real" {
		t.Errorf("completion %v, want the real one", resps[1])
	}
}

// dovecotFixture is a Dovecot session's server side (testdata/
// dovecot-session.server) and the two messages it fetches, as bytes.
func dovecotFixture(t *testing.T) (session, msg1, msg2 []byte) {
	t.Helper()
	var files [3][]byte
	for i, name := range []string{"dovecot-session.server", "message1.eml", "message2.eml"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		files[i] = b
	}
	return files[0], files[1], files[2]
}

func TestDovecotFixture(t *testing.T) {
	data, msg1, msg2 := dovecotFixture(t)
	resps, err := readAll(t, NewReader(FromReader(bytes.NewReader(data))))
	if err != nil {
		t.Fatal(err)
	}
	var summary []string
	for _, r := range resps {
		s := r.Type.String() + " " + r.Tag + r.Name
		if r.Code != "" {
			s += " [" + r.Code + "]"
		}
		summary = append(summary, s)
	}
	want := []string{
		"untagged OK [CAPABILITY]", "tagged A001OK [CAPABILITY]",
		"untagged FLAGS", "untagged OK [PERMANENTFLAGS]", "untagged EXISTS", "untagged RECENT",
		"untagged OK [UNSEEN]", "untagged OK [UIDVALIDITY]", "untagged OK [UIDNEXT]", "untagged OK [HIGHESTMODSEQ]",
		"tagged A002OK [READ-WRITE]",
		"untagged FETCH", "untagged FETCH", "tagged A003OK",
		"untagged FETCH", "untagged FETCH", "tagged A004OK",
		"untagged BYE", "tagged A005OK",
	}
	if diff := cmp.Diff(want, summary); diff != "" {
		t.Fatalf("responses (-want +got):\n%s", diff)
	}
	fetch := func(i int) (uint64, FetchItems) {
		seq, items, err := resps[i].Fetch()
		if err != nil {
			t.Fatal(err)
		}
		return seq, items
	}
	seq, items := fetch(11)
	if v, _ := items.Get("rfc822.size"); seq != 1 || v.Num != uint64(len(msg1)) {
		t.Errorf("first FETCH: seq %d, RFC822.SIZE %v; want 1, %d", seq, v, len(msg1))
	}
	if v, _ := items.Get("BODY[HEADER.FIELDS (FROM SUBJECT)]"); v.Text != "From: Alice <alice@example.org>\r\nSubject: {5}\r\n\r\n" {
		t.Errorf("header fields = %v", v)
	}
	_, items = fetch(14)
	if v, _ := items.Get("BODY[]"); v.Kind != KindLiteral || v.Text != string(msg1) {
		t.Errorf("BODY[] of message 1 = %v, want the exact bytes of message1.eml", v)
	}
	if v, _ := items.Get("BODY[]<0>"); v.Text != string(msg1[:32]) {
		t.Errorf("BODY[]<0> = %v", v)
	}
	_, items = fetch(15)
	if v, _ := items.Get("BODY[]"); v.Text != string(msg2) {
		t.Errorf("BODY[] of message 2 = %v, want the exact bytes (bare LF included)", v)
	}
	if got := resps[3].CodeArgs[0].List[5]; !cmp.Equal(got, atom(`\*`)) {
		t.Errorf("PERMANENTFLAGS last flag = %v", got)
	}
}

func TestLiteralCutShort(t *testing.T) {
	tests := []struct{ name, in string }{
		{"in the literal", "* 1 FETCH (BODY[] {10}\r\nabc"},
		{"after the literal", "* 1 FETCH (BODY[] {3}\r\nabc"},
		{"announced, nothing sent", "* 1 FETCH (BODY[] {4294967295}\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(FromReader(strings.NewReader(tt.in)))
			r.MaxLiteral = -1 // no cap: the stream's end must be what stops it
			_, err := r.ReadResponse()
			fe := wantKind(t, err, failure.EOF)
			if !strings.Contains(fe.Message, "imap: reading") {
				t.Errorf("message %q does not say what was being read", fe.Message)
			}
			if _, err2 := r.ReadResponse(); err2 != err {
				t.Errorf("second call: %v, want the same error", err2)
			}
		})
	}
}

// TestHugeAnnouncedLiteralAllocatesNothing: the size a server announces
// is never allocated up front.
func TestHugeAnnouncedLiteralAllocatesNothing(t *testing.T) {
	in := "* 1 FETCH (BODY[] {4294967295}\r\nonly a few bytes"
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 10 {
		r := NewReader(FromReader(strings.NewReader(in)))
		r.MaxLiteral = -1 // no cap: only chunked reading protects
		if _, err := r.ReadResponse(); !failure.Is(err, failure.EOF) {
			t.Fatalf("err = %v, want kind eof", err)
		}
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / 10; per > 1<<20 {
		t.Errorf("allocated %d bytes per read of a 4 GiB announcement, want well under 1 MiB", per)
	}
}

func TestMaxLiteral(t *testing.T) {
	r := NewReader(FromReader(strings.NewReader("* 1 FETCH (BODY[] {11}\r\nhello world)\r\n")))
	r.MaxLiteral = 10
	_, err := r.ReadResponse()
	fe := wantKind(t, err, failure.Full)
	if !strings.Contains(fe.Message, "11 bytes") || !strings.Contains(fe.Message, "limit of 10") {
		t.Errorf("message %q", fe.Message)
	}
	r = NewReader(FromReader(strings.NewReader("* 1 FETCH (BODY[] {10}\r\nhelloworld)\r\n")))
	r.MaxLiteral = 10
	if _, err := r.ReadResponse(); err != nil {
		t.Errorf("literal at the limit: %v", err)
	}
}

type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return 0, errors.New("disk full")
}

func TestLiteralSink(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", LiteralChunk/16*3) + "tail" // several chunks
	in := "* 3 FETCH (UID 9 BODY[] {" + strconv.Itoa(len(big)) + "}\r\n" + big +
		" BODY[HEADER] {6}\r\nhead\r\n)\r\n" +
		"* 4 FETCH (BODY[] {5}\r\nabcde)\r\n* 5 FETCH (BODY[] {2}\r\nok)\r\n"
	var infos []LiteralInfo
	var file bytes.Buffer
	failing := &failingWriter{}
	r := NewReader(FromReader(strings.NewReader(in)))
	r.MaxLiteral = 100 // streamed literals are not bounded by it
	r.Sink = func(info LiteralInfo) io.Writer {
		infos = append(infos, info)
		switch {
		case info.Number == 3 && info.Item == "BODY[]":
			return &file
		case info.Number == 4:
			return failing
		}
		return nil // in memory
	}
	resp, err := r.ReadResponse()
	if err != nil {
		t.Fatal(err)
	}
	if file.String() != big {
		t.Errorf("sink got %d bytes, want %d", file.Len(), len(big))
	}
	_, items, _ := resp.Fetch()
	want := FetchItems{{"UID", num(9)}, {"BODY[]", Node{Kind: KindLiteral, Size: int64(len(big)), Streamed: true}}, {"BODY[HEADER]", lit("head\r\n")}}
	if diff := cmp.Diff(want, items); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	// A failing writer: the literal is still consumed, the error comes
	// with the response, and the next response reads fine.
	resp, err = r.ReadResponse()
	fe := wantKind(t, err, failure.Usage)
	if resp == nil || !strings.Contains(fe.Message, "disk full") || failing.n != 5 {
		t.Errorf("resp %v, err %v, writer saw %d bytes", resp, err, failing.n)
	}
	resp, err = r.ReadResponse()
	if err != nil || resp.Number != 5 {
		t.Fatalf("after a failed sink: %v, %v", resp, err)
	}
	wantInfos := []LiteralInfo{
		{Response: "FETCH", Number: 3, Item: "BODY[]", Size: int64(len(big))},
		{Response: "FETCH", Number: 3, Item: "BODY[HEADER]", Size: 6},
		{Response: "FETCH", Number: 4, Item: "BODY[]", Size: 5},
		{Response: "FETCH", Number: 5, Item: "BODY[]", Size: 2},
	}
	if diff := cmp.Diff(wantInfos, infos); diff != "" {
		t.Errorf("sink calls (-want +got):\n%s", diff)
	}
}

// flakySource times out once before each line, like a slow server.
type flakySource struct {
	Source
	flip bool
}

func (s *flakySource) ReadLine() (string, error) {
	s.flip = !s.flip
	if s.flip {
		return "", failure.New(failure.Timeout, "timeout")
	}
	return s.Source.ReadLine()
}

func TestTimeoutBetweenResponsesIsRecoverable(t *testing.T) {
	r := NewReader(&flakySource{Source: FromReader(strings.NewReader("* 1 EXISTS\r\n* 2 EXISTS\r\n"))})
	for want := uint64(1); want <= 2; want++ {
		if _, err := r.ReadResponse(); !failure.Is(err, failure.Timeout) {
			t.Fatalf("err = %v, want a timeout", err)
		}
		resp, err := r.ReadResponse()
		if err != nil || resp.Number != want {
			t.Fatalf("after a timeout: %v, %v", resp, err)
		}
	}
}

func TestNodeString(t *testing.T) {
	n := list(atom("UID"), num(3), str("a\"b\r\n"), nilNode, lit("hello"),
		Node{Kind: KindLiteral, Size: 9, Streamed: true}, Node{Kind: KindLiteral, Text: "x", Size: 1, Binary: true}, list())
	want := `(UID 3 "a\"b\r\n" NIL {5}"hello" {9}(streamed) ~{1}"x" ())`
	if got := n.String(); got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
	resp := &Response{Type: Tagged, Tag: "A1", Name: "OK", Code: "APPENDUID", CodeText: "1 2", Text: "done"}
	if got := resp.String(); got != "A1 OK [APPENDUID 1 2] done" {
		t.Errorf("Response.String() = %q", got)
	}
}

func TestParseFetchErrors(t *testing.T) {
	for _, n := range []Node{atom("UID"), list(atom("UID")), list(num(1), num(2)), list(str("UID"), num(2))} {
		if _, err := ParseFetch(n); !failure.Is(err, failure.Protocol) {
			t.Errorf("ParseFetch(%v) = %v, want a protocol error", n, err)
		}
	}
	resp := &Response{Type: Untagged, Name: "SEARCH"}
	if _, _, err := resp.Fetch(); !failure.Is(err, failure.Protocol) {
		t.Errorf("Fetch on SEARCH: %v", err)
	}
}
