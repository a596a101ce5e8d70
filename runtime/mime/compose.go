// Package mime composes and parses Internet messages (RFC 5322 with MIME,
// RFC 2045-2049) for scripts and the send subcommand, on top of
// github.com/emersion/go-message: non-ASCII header text becomes RFC 2047
// encoded words, non-ASCII file names RFC 2231 parameters, bodies are
// quoted-printable or base64 as their bytes need, every line ends in CRLF.
//
// It knows nothing of Lua or SMTP: luabind exposes it as require "mime",
// and the smtp module builds its messages with it.
package mime

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	stdmime "mime"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message/textproto"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// Field is one header field, in the order given.
type Field struct{ Name, Value string }

// Attachment is a file carried in its own part, always base64 so that its
// bytes arrive exactly.
type Attachment struct {
	Name string // the file name shown to the reader; may be non-ASCII; may be ""
	Type string // media type; "" means from Name's extension, else sniffed
	Data []byte
}

// Message is what Compose builds. From, To, Cc and Subject make header
// fields unless Header has a field of the same name (which then wins: a
// script may give an envelope sender and a different From).
type Message struct {
	From    string   // "Name <a@b>" or "a@b"; "" or "<>": no From field
	To, Cc  []string // each an address or a comma-separated list
	Subject string
	Header  []Field // more fields, kept in order

	Text string // the text/plain body (UTF-8)
	HTML string // a text/html body: with Text, multipart/alternative

	Attachments []Attachment

	Now time.Time // the Date when Header has none; zero: time.Now()
}

// MaxSize bounds a composed message (and Parse's input): past it the
// caller has made a mistake, and a mail server would refuse it anyway.
const MaxSize = 256 << 20

func usage(format string, args ...any) error { return failure.New(failure.Usage, format, args...) }

// addressFields hold address lists (RFC 5322 3.6.2, 3.6.3, 3.6.6): their
// non-ASCII display names are encoded word by word, never the whole value.
var addressFields = map[string]bool{
	"from": true, "sender": true, "reply-to": true, "to": true, "cc": true, "bcc": true,
	"resent-from": true, "resent-sender": true, "resent-to": true, "resent-cc": true,
	"resent-bcc": true, "disposition-notification-to": true,
}

// structuredFields must be ASCII: an encoded word inside a Message-ID or a
// Content-Type would not be decoded by anyone (RFC 2047 5).
var structuredFields = map[string]bool{
	"date": true, "message-id": true, "in-reply-to": true, "references": true,
	"resent-date": true, "resent-message-id": true, "return-path": true, "received": true,
	"mime-version": true, "content-type": true, "content-transfer-encoding": true,
	"content-disposition": true, "content-id": true,
}

// mimeFields are the ones Compose writes itself; a caller giving one owns
// the body's MIME structure (see Compose).
func isMIMEField(lower string) bool {
	return lower == "content-type" || lower == "content-transfer-encoding"
}

// checkName refuses a field name that is not printable ASCII without a
// colon (RFC 5322 2.2).
func checkName(name string) error {
	if name == "" {
		return usage("header name is empty")
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < '!' || c > '~' || c == ':' {
			return usage("bad header name %q (printable ASCII without ':' or spaces)", name)
		}
	}
	return nil
}

// checkValue refuses a value that would start another field or end the
// header: header injection.
func checkValue(name, value string) error {
	if strings.ContainsAny(value, "\r\n\x00") {
		return failure.New(failure.Injection, "header %s contains CR, LF or NUL", name)
	}
	if !utf8.ValidString(value) {
		return usage("header %s is not valid UTF-8", name)
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// encodeValue returns the value as it goes on the wire: ASCII as given,
// else encoded words (unstructured fields), re-formatted addresses
// (address fields), or an error (structured fields).
func encodeValue(name, value string) (string, error) {
	if err := checkValue(name, value); err != nil {
		return "", err
	}
	if isASCII(value) {
		return value, nil
	}
	lower := strings.ToLower(name)
	switch {
	case addressFields[lower]:
		list, err := mail.ParseAddressList(value)
		if err != nil {
			return "", usage("header %s: %v in %q", name, err, value)
		}
		return formatAddresses(list), nil
	case structuredFields[lower]:
		return "", usage("header %s must be ASCII: encoded words are not allowed in it (RFC 2047 5)", name)
	}
	// Go's encoder splits long text into words of at most 75 characters
	// separated by a space; white space between encoded words is not
	// text (RFC 2047 6.2), so the fields fold there.
	return strings.ReplaceAll(stdmime.QEncoding.Encode("utf-8", value), "?= =?", "?=\r\n =?"), nil
}

// formatAddresses writes "Name" <a@b> with the name encoded when it is not
// ASCII; a non-ASCII address itself stays UTF-8 (RFC 6532, sent with
// SMTPUTF8).
func formatAddresses(list []*mail.Address) string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.String()
	}
	return strings.Join(out, ", ")
}

// addressList parses the given addresses (each may itself be a list).
func addressList(what string, in []string) (string, error) {
	var all []*mail.Address
	for _, s := range in {
		if err := checkValue(what, s); err != nil {
			return "", err
		}
		list, err := mail.ParseAddressList(s)
		if err != nil {
			return "", usage("%s: bad address %q: %v", strings.ToLower(what), s, strings.TrimPrefix(err.Error(), "mail: "))
		}
		all = append(all, list...)
	}
	return formatAddresses(all), nil
}

// header builds fields in order; go-message's Header writes the field added
// last first, so the list is handed over reversed.
type header struct{ fields []Field }

func (h *header) add(name, value string) { h.fields = append(h.fields, Field{name, value}) }

func (h *header) message() textproto.Header {
	var m textproto.Header
	for i := len(h.fields) - 1; i >= 0; i-- {
		f := h.fields[i]
		if strings.Contains(f.Value, "\r\n ") { // folded by encodeValue
			m.AddRaw([]byte(f.Name + ": " + f.Value + "\r\n"))
			continue
		}
		// AddRaw keeps the name as written (Add would canonicalise
		// Message-ID to Message-Id); go-message folds the value.
		var tmp textproto.Header
		tmp.Add(f.Name, f.Value)
		var b bytes.Buffer
		textproto.WriteHeader(&b, tmp)
		raw := b.Bytes()[:b.Len()-2] // without the blank line
		raw = append([]byte(f.Name), raw[bytes.IndexByte(raw, ':'):]...)
		m.AddRaw(raw)
	}
	return m
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// messageID makes "<random@domain>", the domain taken from From.
func messageID(from string) string {
	domain := "mailexpect.invalid"
	if a, err := mail.ParseAddress(from); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 && isASCII(a.Address[i+1:]) {
			domain = a.Address[i+1:]
		}
	}
	return "<" + randomHex(12) + "@" + domain + ">"
}

// Compose returns the message as bytes with CRLF line ends.
//
// The header is: From, To, Cc, Subject made from the fields, then Header
// in order, then Date and Message-ID unless Header has them, then
// MIME-Version and the body's Content-Type. The body is text/plain (Text),
// text/html (HTML), multipart/alternative of both, and multipart/mixed
// around that when there are attachments.
//
// A Header with Content-Type or Content-Transfer-Encoding means the caller
// built the MIME body: Text is then written as given (line ends made
// CRLF), and HTML and Attachments are refused.
func Compose(m *Message) ([]byte, error) {
	var h header
	given := map[string]bool{}
	for _, f := range m.Header {
		if err := checkName(f.Name); err != nil {
			return nil, err
		}
		given[strings.ToLower(f.Name)] = true
	}
	from := strings.TrimSpace(m.From)
	if !given["from"] && from != "" && from != "<>" {
		v, err := addressList("From", []string{from})
		if err != nil {
			return nil, err
		}
		h.add("From", v)
	}
	for _, l := range []struct {
		name string
		list []string
	}{{"To", m.To}, {"Cc", m.Cc}} {
		if given[strings.ToLower(l.name)] || len(l.list) == 0 {
			continue
		}
		v, err := addressList(l.name, l.list)
		if err != nil {
			return nil, err
		}
		h.add(l.name, v)
	}
	if !given["subject"] && m.Subject != "" {
		v, err := encodeValue("Subject", m.Subject)
		if err != nil {
			return nil, err
		}
		h.add("Subject", v)
	}
	own := false
	for _, f := range m.Header {
		lower := strings.ToLower(f.Name)
		if isMIMEField(lower) {
			own = true
		}
		v, err := encodeValue(f.Name, f.Value)
		if err != nil {
			return nil, err
		}
		h.add(f.Name, v)
	}
	if !given["date"] {
		now := m.Now
		if now.IsZero() {
			now = time.Now()
		}
		h.add("Date", now.Format(time.RFC1123Z))
	}
	if !given["message-id"] {
		fromField := from
		for _, f := range m.Header {
			if strings.EqualFold(f.Name, "From") {
				fromField = f.Value
			}
		}
		h.add("Message-ID", messageID(fromField))
	}
	if !given["mime-version"] {
		h.add("MIME-Version", "1.0")
	}

	var out bytes.Buffer
	if own {
		if m.HTML != "" || len(m.Attachments) > 0 {
			return nil, usage("a Content-Type or Content-Transfer-Encoding in headers means the body is already MIME: html and attachments cannot be added to it")
		}
		if err := textproto.WriteHeader(&out, h.message()); err != nil {
			return nil, usage("%v", err)
		}
		out.Write(crlf([]byte(m.Text)))
		return checkSize(out.Bytes())
	}

	if err := writeBody(&out, &h, m); err != nil {
		return nil, err
	}
	return checkSize(out.Bytes())
}

func checkSize(b []byte) ([]byte, error) {
	if len(b) > MaxSize {
		return nil, usage("message of %d bytes exceeds mailexpect's limit of %d", len(b), MaxSize)
	}
	return b, nil
}

// crlf makes every line end CRLF: a bare CR or LF becomes CRLF, as the
// SMTP layer would make it anyway (send_dot), so the size and any
// signature are computed over the bytes that travel.
func crlf(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b) + len(b)/32)
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '\r':
			out.WriteString("\r\n")
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
		case '\n':
			out.WriteString("\r\n")
		default:
			out.WriteByte(c)
		}
	}
	return out.Bytes()
}

// textPart is a text body and its header: 7bit when it is ASCII in short
// lines, else quoted-printable (readable, and safe through any relay).
type textPart struct {
	subtype string
	body    []byte
}

func newTextPart(what, subtype, s string) (textPart, error) {
	if !utf8.ValidString(s) {
		return textPart{}, usage("%s is not valid UTF-8 text; send bytes as an attachment", what)
	}
	return textPart{subtype: subtype, body: crlf([]byte(s))}, nil
}

func (t textPart) encoding() string {
	for _, line := range bytes.Split(t.body, []byte("\r\n")) {
		if len(line) > 76 {
			return "quoted-printable"
		}
		for _, c := range line {
			if c >= 0x80 || (c < ' ' && c != '\t') || c == 0x7f {
				return "quoted-printable"
			}
		}
	}
	return "7bit"
}

func (t textPart) node() *node {
	enc := t.encoding()
	return &node{fields: []Field{
		{"Content-Type", "text/" + t.subtype + "; charset=utf-8"},
		{"Content-Transfer-Encoding", enc},
	}, encoding: enc, body: t.body}
}

// boundary is random and starts with "=_", which quoted-printable never
// produces, so it cannot occur in an encoded body (RFC 2045 6.7 note).
func boundary() string { return "=_mx" + randomHex(12) }

// node is one entity of the tree: a leaf with a body or a multipart.
type node struct {
	fields   []Field
	encoding string // leaf: its Content-Transfer-Encoding
	body     []byte // leaf: the bytes before encoding
	boundary string // multipart
	parts    []*node
}

func multipart(subtype string, parts ...*node) *node {
	b := boundary()
	return &node{fields: []Field{{"Content-Type", fmt.Sprintf("multipart/%s; boundary=%q", subtype, b)}},
		boundary: b, parts: append([]*node{}, parts...)}
}

func writeBody(out *bytes.Buffer, h *header, m *Message) error {
	var alt []*node
	if m.Text != "" || m.HTML == "" && len(m.Attachments) == 0 {
		t, err := newTextPart("body", "plain", m.Text)
		if err != nil {
			return err
		}
		alt = append(alt, t.node())
	}
	if m.HTML != "" {
		t, err := newTextPart("html", "html", m.HTML)
		if err != nil {
			return err
		}
		alt = append(alt, t.node())
	}
	var root *node
	switch len(alt) {
	case 1:
		root = alt[0]
	case 2:
		// The richest alternative goes last (RFC 2046 5.1.4).
		root = multipart("alternative", alt...)
	}
	if len(m.Attachments) > 0 {
		mixed := multipart("mixed")
		if root != nil {
			mixed.parts = append(mixed.parts, root)
		}
		for i, a := range m.Attachments {
			n, err := attachmentNode(i+1, a)
			if err != nil {
				return err
			}
			mixed.parts = append(mixed.parts, n)
		}
		root = mixed
	}
	for _, f := range root.fields {
		h.add(f.Name, f.Value)
	}
	if err := textproto.WriteHeader(out, h.message()); err != nil {
		return usage("%v", err)
	}
	return writeNode(out, root)
}

// writeNode writes the body of n: a leaf in its transfer encoding, or the
// parts of a multipart between its boundaries (go-message's writer).
func writeNode(w io.Writer, n *node) error {
	if n.parts == nil {
		return encode(w, n.encoding, n.body)
	}
	mw := textproto.NewMultipartWriter(w)
	if err := mw.SetBoundary(n.boundary); err != nil {
		return err
	}
	for _, p := range n.parts {
		var ph header
		for _, f := range p.fields {
			ph.add(f.Name, f.Value)
		}
		pw, err := mw.CreatePart(ph.message())
		if err != nil {
			return err
		}
		if err := writeNode(pw, p); err != nil {
			return err
		}
	}
	return mw.Close()
}

// encode writes body in the transfer encoding: base64 in lines of 76
// (RFC 2045 6.8), quoted-printable (6.7), or as it is (7bit).
func encode(w io.Writer, enc string, body []byte) error {
	switch enc {
	case "base64":
		// No line end after the last line: the CRLF before the next
		// boundary belongs to the boundary (RFC 2046 5.1.1).
		s := base64.StdEncoding.EncodeToString(body)
		for len(s) > 0 {
			n := min(76, len(s))
			line := s[:n]
			if s = s[n:]; s != "" {
				line += "\r\n"
			}
			if _, err := io.WriteString(w, line); err != nil {
				return err
			}
		}
		return nil
	case "quoted-printable":
		qw := quotedprintable.NewWriter(w)
		if _, err := qw.Write(body); err != nil {
			return err
		}
		return qw.Close()
	}
	_, err := w.Write(body)
	return err
}

// attachmentNode is one attachment: Content-Type with name=, and
// Content-Disposition with filename=, both RFC 2231-encoded when the name
// is not ASCII (mime.FormatMediaType does that; go-message's own setter
// would put an RFC 2047 word inside the quotes, which RFC 2047 5 forbids).
func attachmentNode(i int, a Attachment) (*node, error) {
	if !utf8.ValidString(a.Name) || strings.ContainsAny(a.Name, "\r\n\x00") {
		return nil, usage("attachment %d: the name must be UTF-8 text on one line", i)
	}
	typ := a.Type
	if typ == "" {
		typ = TypeOf(a.Name, a.Data)
	}
	mt, params, err := stdmime.ParseMediaType(typ)
	if err != nil || !strings.Contains(mt, "/") || strings.HasPrefix(mt, "multipart/") {
		return nil, usage("attachment %d: bad type %q (want a media type such as application/pdf)", i, typ)
	}
	dparams := map[string]string{}
	if a.Name != "" {
		params["name"] = a.Name
		dparams["filename"] = a.Name
	}
	ct := stdmime.FormatMediaType(mt, params)
	cd := stdmime.FormatMediaType("attachment", dparams)
	if ct == "" || cd == "" {
		return nil, usage("attachment %d: cannot format the type %q or the name %q", i, typ, a.Name)
	}
	return &node{fields: []Field{
		{"Content-Type", ct},
		{"Content-Disposition", cd},
		{"Content-Transfer-Encoding", "base64"},
	}, encoding: "base64", body: a.Data}, nil
}

// TypeOf guesses a media type: from the name's extension (Go's table and
// the system's mime.types), else from the first bytes
// (net/http.DetectContentType, the WHATWG sniffing rules).
func TypeOf(name string, data []byte) string {
	if ext := filepath.Ext(name); ext != "" {
		if t := stdmime.TypeByExtension(strings.ToLower(ext)); t != "" {
			return t
		}
	}
	return http.DetectContentType(data)
}
