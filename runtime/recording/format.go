// Package recording writes every session of a run to a text file
// (--record) and serves the sessions of such a file again without a
// network (--replay, mailexpect replay). The format is documented in
// docs/record-replay.md; in short:
//
//	# mailexpect recording 1
//	session 1 tcp 127.0.0.1:2525 label="127.0.0.1:2525"
//	  0.000 S: 220 mx.example ESMTP
//	  0.001 C: EHLO client.example
//	  0.002 S: 250 STARTTLS
//	  0.003 C: STARTTLS
//	  0.004 S: 220 go ahead
//	  0.010 tls version="TLS 1.3" cipher=TLS_AES_128_GCM_SHA256 verified=true subject="CN=mx.example"
//	  0.011 C: AUTH PLAIN ***
//	  0.020 C: DATA ...
//	        ~ Message-ID: <.*@client.example>
//	  0.030 eof
//
// S: is a line from the server and C: one from the client, each ending in
// CRLF on the wire; S+ and C+ are data without that line end. Bytes that
// are not printable are written \xHH. In a C line, *** (a masked secret)
// matches any value, and a "~ REGEX" line under it replaces the exact
// comparison; the values the pattern's groups take in the recorded line
// are replaced, in what the server sends later, with the values they take
// in the script's line (a message id, a token).
package recording

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mailexpect/mailexpect/runtime/session"
)

// Magic is the first line of a recording.
const Magic = "# mailexpect recording 1"

// Kind is what an event is.
type Kind int

const (
	ServerData Kind = iota // S: bytes from the server
	ClientData             // C: bytes from the client
	TLS                    // TLS started (implicit or STARTTLS)
	TLSFailed              // the handshake failed
	EOF                    // the server closed the connection
	Close                  // the client closed the session
	Pause                  // hand-written: the server waits before what follows
	DialFailed             // the connect failed; the session has nothing else
)

// Event is one line of a session.
type Event struct {
	Kind Kind
	At   time.Duration // since the session started; -1: not given
	Data []byte        // ServerData, ClientData: the bytes, line end included

	// ClientData: Pattern, when set, is matched against the script's line
	// (without its line end) instead of comparing bytes; it comes from a
	// "~ REGEX" line or from *** in the line.
	Pattern *regexp.Regexp
	// Wildcard, for a line with *** in it (a masked secret): the pieces
	// around each ***, which stands for one byte or more.
	Wildcard [][]byte
	Source   string // ClientData with a pattern: "~ REGEX" or "***"

	TLS   *session.TLSInfo // TLS
	Err   string           // TLSFailed, DialFailed
	Pause time.Duration    // Pause
	Line  int              // line number in the file
}

// Session is one recorded session.
type Session struct {
	Seq     int    // order of connection in the run
	Network string // "tcp", "exec" (spawn)
	Addr    string // host:port, or the program's name
	Label   string
	Line    int
	Events  []Event
}

// Key is what replay looks a session up by: network and address.
func (s *Session) Key() string { return s.Network + " " + s.Addr }

// Recording is a parsed file.
type Recording struct {
	Name     string // file name, for messages
	Sessions []*Session

	// Env is the environment the run was recorded with, when the
	// recording was made under --sandbox ("env NAME=VALUE" lines before
	// the first session): the sandbox's addresses, which replay sets
	// again so that the script connects where it did.
	Env []string
	// Users are the sandbox's users ("sandbox-user NAME ADDRESS").
	Users [][2]string
}

// ParseError is a line of a recording that does not parse.
type ParseError struct {
	Name string
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg) }

// Parse reads a recording. name is used in error messages.
func Parse(r io.Reader, name string) (*Recording, error) {
	rec := &Recording{Name: name}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<30)
	var cur *Session
	n := 0
	bad := func(format string, args ...any) error {
		return &ParseError{Name: name, Line: n, Msg: fmt.Sprintf(format, args...)}
	}
	for sc.Scan() {
		n++
		raw := strings.TrimRight(sc.Text(), "\r")
		if n == 1 && !strings.HasPrefix(raw, "# mailexpect recording") {
			return nil, bad("not a mailexpect recording: the first line must be %q", Magic)
		}
		line := strings.TrimLeft(raw, " \t")
		if line == "" || line[0] == '#' {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "session "); ok {
			s, err := parseSession(rest)
			if err != nil {
				return nil, bad("%v", err)
			}
			s.Line = n
			if s.Seq == 0 {
				s.Seq = len(rec.Sessions) + 1
			}
			rec.Sessions = append(rec.Sessions, s)
			cur = s
			continue
		}
		if rest, ok := strings.CutPrefix(line, "env "); ok && cur == nil {
			name, value, ok := strings.Cut(rest, "=")
			if !ok || name == "" {
				return nil, bad("want env NAME=VALUE, got %q", clip(line, 40))
			}
			if v, err := strconv.Unquote(value); err == nil {
				value = v
			}
			rec.Env = append(rec.Env, name+"="+value)
			continue
		}
		if rest, ok := strings.CutPrefix(line, "sandbox-user "); ok && cur == nil {
			f := strings.Fields(rest)
			if len(f) != 2 {
				return nil, bad("want sandbox-user NAME ADDRESS, got %q", clip(line, 40))
			}
			rec.Users = append(rec.Users, [2]string{f[0], f[1]})
			continue
		}
		if cur == nil {
			return nil, bad("%q before the first session line (want: session N tcp HOST:PORT)", clip(line, 40))
		}
		if pat, ok := strings.CutPrefix(line, "~ "); ok {
			if len(cur.Events) == 0 || cur.Events[len(cur.Events)-1].Kind != ClientData {
				return nil, bad("a ~ pattern must follow a C: line")
			}
			re, err := regexp.Compile(`^(?:` + pat + `)$`)
			if err != nil {
				return nil, bad("bad pattern: %v", err)
			}
			ev := &cur.Events[len(cur.Events)-1]
			ev.Pattern, ev.Source = re, "~ "+pat
			continue
		}
		ev, err := parseEvent(line)
		if err != nil {
			return nil, bad("%v", err)
		}
		ev.Line = n
		cur.Events = append(cur.Events, ev)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if n == 0 {
		return nil, &ParseError{Name: name, Line: 1, Msg: "empty file: not a mailexpect recording"}
	}
	sort.SliceStable(rec.Sessions, func(i, j int) bool { return rec.Sessions[i].Seq < rec.Sessions[j].Seq })
	return rec, nil
}

// parseSession parses "N NETWORK ADDR [label=...]".
func parseSession(rest string) (*Session, error) {
	f := strings.Fields(rest)
	if len(f) < 3 {
		return nil, fmt.Errorf("want: session N tcp HOST:PORT [label=...], got %q", clip(rest, 60))
	}
	seq, err := strconv.Atoi(f[0])
	if err != nil || seq < 1 {
		return nil, fmt.Errorf("session number must be a positive integer, got %q", f[0])
	}
	s := &Session{Seq: seq, Network: f[1], Addr: f[2]}
	if i := strings.Index(rest, "label="); i >= 0 {
		kv, err := parseKV(rest[i:])
		if err != nil {
			return nil, err
		}
		s.Label = kv["label"]
	}
	return s, nil
}

var marks = []struct {
	mark string
	kind Kind
	end  bool // the data ends in CRLF
}{
	{"S:", ServerData, true}, {"S+", ServerData, false}, {"C:", ClientData, true}, {"C+", ClientData, false},
}

func parseEvent(line string) (Event, error) {
	ev := Event{At: -1}
	if f, rest, _ := strings.Cut(line, " "); f != "" && (f[0] == '+' || f[0] >= '0' && f[0] <= '9') {
		sec, err := strconv.ParseFloat(strings.TrimPrefix(f, "+"), 64)
		if err != nil || sec < 0 {
			return ev, fmt.Errorf("bad time %q: want seconds such as 0.125", f)
		}
		ev.At = time.Duration(sec * float64(time.Second))
		line = strings.TrimLeft(rest, " ")
	}
	for _, m := range marks {
		if text, ok := strings.CutPrefix(line, m.mark); ok {
			if text != "" && text[0] != ' ' {
				break
			}
			text = strings.TrimPrefix(text, " ")
			ev.Kind = m.kind
			ev.Data = Unescape(text)
			if m.end {
				ev.Data = append(ev.Data, '\r', '\n')
			}
			if m.kind == ClientData && strings.Contains(text, Placeholder) {
				for _, part := range strings.Split(text, Placeholder) {
					ev.Wildcard = append(ev.Wildcard, Unescape(part))
				}
				ev.Source = Placeholder
			}
			return ev, nil
		}
	}
	word, rest, _ := strings.Cut(line, " ")
	switch word {
	case "tls":
		info, err := parseTLS(rest)
		if err != nil {
			return ev, err
		}
		ev.Kind, ev.TLS = TLS, info
	case "tls-failed":
		ev.Kind, ev.Err = TLSFailed, quotedArg(rest)
	case "connect-failed":
		ev.Kind, ev.Err = DialFailed, quotedArg(rest)
	case "eof":
		ev.Kind = EOF
	case "close":
		ev.Kind = Close
	case "pause":
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil || d < 0 {
			return ev, fmt.Errorf("pause wants a duration such as 2s or 500ms, got %q", strings.TrimSpace(rest))
		}
		ev.Kind, ev.Pause = Pause, d
	default:
		return ev, fmt.Errorf("unknown line %q (want S:, S+, C:, C+, ~ REGEX, tls, tls-failed, connect-failed, eof, close, pause or session)", clip(line, 40))
	}
	return ev, nil
}

// quotedArg is a message as written after tls-failed or connect-failed:
// Go-quoted, or as it is when a person wrote it without quotes.
func quotedArg(rest string) string {
	rest = strings.TrimSpace(rest)
	if msg, err := strconv.Unquote(rest); err == nil {
		return msg
	}
	return rest
}

// Placeholder stands for a secret in a C line; replay accepts any value
// there.
const Placeholder = "***"

// Escape writes p as it goes after S: or C:: printable text as it is,
// every other byte as \xHH, and a backslash that would read as an escape
// as \x5c.
func Escape(p []byte) string {
	var b strings.Builder
	for len(p) > 0 {
		r, size := utf8.DecodeRune(p)
		switch {
		case r == '\\' && len(p) > 1 && p[1] == 'x':
			b.WriteString(`\x5c`)
		case r == utf8.RuneError && size <= 1, r < 0x20, r == 0x7f, r >= 0x80 && !unicode.IsPrint(r):
			for _, c := range p[:size] {
				fmt.Fprintf(&b, `\x%02x`, c)
			}
		default:
			b.Write(p[:size])
		}
		p = p[size:]
	}
	return b.String()
}

// Unescape is the inverse of Escape: \xHH is the byte HH, everything else
// stands for itself.
func Unescape(s string) []byte {
	if !strings.Contains(s, `\x`) {
		return []byte(s)
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s)+0 && s[i+1] == 'x' && isHex(s[i+2]) && isHex(s[i+3]) {
			v, _ := strconv.ParseUint(s[i+2:i+4], 16, 8)
			out = append(out, byte(v))
			i += 3
			continue
		}
		out = append(out, s[i])
	}
	return out
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// formatTLS writes the TLS summary as key=value pairs.
func formatTLS(info *session.TLSInfo) string {
	var b strings.Builder
	kv := func(k, v string) {
		if v == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + "=" + quoteValue(v))
	}
	kv("version", info.Version)
	kv("cipher", info.Cipher)
	kv("server_name", info.ServerName)
	kv("verified", strconv.FormatBool(info.Verified))
	kv("verify_error", info.VerifyError)
	if p := info.Peer; p != nil {
		kv("subject", p.Subject)
		kv("issuer", p.Issuer)
		kv("not_before", p.NotBefore.UTC().Format(time.RFC3339))
		kv("not_after", p.NotAfter.UTC().Format(time.RFC3339))
		kv("dns", strings.Join(p.DNSNames, ","))
		kv("fingerprint", p.Fingerprint)
		kv("spki", p.SPKI)
	}
	if !info.EarliestExpiry.IsZero() {
		kv("earliest_expiry", info.EarliestExpiry.UTC().Format(time.RFC3339))
	}
	return b.String()
}

func quoteValue(v string) string {
	if v != "" && !strings.ContainsAny(v, " \"\\=") && Escape([]byte(v)) == v {
		return v
	}
	return strconv.Quote(v)
}

func parseTLS(s string) (*session.TLSInfo, error) {
	kv, err := parseKV(s)
	if err != nil {
		return nil, err
	}
	info := &session.TLSInfo{
		Version: kv["version"], Cipher: kv["cipher"], ServerName: kv["server_name"],
		Verified: kv["verified"] == "true", VerifyError: kv["verify_error"],
	}
	tm := func(k string) (time.Time, error) {
		if kv[k] == "" {
			return time.Time{}, nil
		}
		t, err := time.Parse(time.RFC3339, kv[k])
		if err != nil {
			return t, fmt.Errorf("tls %s: want a time such as 2026-01-02T15:04:05Z, got %q", k, kv[k])
		}
		return t, nil
	}
	if kv["subject"] != "" || kv["issuer"] != "" {
		p := &session.PeerCert{Subject: kv["subject"], Issuer: kv["issuer"]}
		if p.NotBefore, err = tm("not_before"); err != nil {
			return nil, err
		}
		if p.NotAfter, err = tm("not_after"); err != nil {
			return nil, err
		}
		if kv["dns"] != "" {
			p.DNSNames = strings.Split(kv["dns"], ",")
		}
		p.Fingerprint, p.SPKI = kv["fingerprint"], kv["spki"]
		// The chain is not recorded: a replay shows the leaf alone.
		leaf := *p
		p.Chain = []*session.PeerCert{&leaf}
		info.Peer = p
	}
	if info.EarliestExpiry, err = tm("earliest_expiry"); err != nil {
		return nil, err
	}
	return info, nil
}

// parseKV parses key=value pairs, values bare or Go-quoted.
func parseKV(s string) (map[string]string, error) {
	out := map[string]string{}
	s = strings.TrimSpace(s)
	for s != "" {
		k, rest, ok := strings.Cut(s, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("want key=value, got %q", clip(s, 40))
		}
		var v string
		if strings.HasPrefix(rest, `"`) {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return nil, fmt.Errorf("%s: unterminated quoted value", k)
			}
			v, _ = strconv.Unquote(q)
			rest = rest[len(q):]
		} else {
			v, rest, _ = strings.Cut(rest, " ")
			rest = " " + rest
		}
		out[k] = v
		s = strings.TrimSpace(rest)
	}
	return out, nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// splitLines cuts p into lines, each with its line end (the last piece
// may have none).
func splitLines(p []byte) [][]byte {
	var out [][]byte
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			return append(out, p)
		}
		out = append(out, p[:i+1])
		p = p[i+1:]
	}
	return out
}

// formatData writes one line of data with its mark: "S: text" for a line
// ending in CRLF, "S+ text" otherwise (a bare LF shows as \x0a).
func formatData(side byte, line []byte) string {
	mark := "+ "
	if body, ok := bytes.CutSuffix(line, []byte("\r\n")); ok {
		mark, line = ": ", body
	}
	// A space at the end would not survive an editor that trims lines.
	trimmed := bytes.TrimRight(line, " ")
	return string(side) + mark + Escape(trimmed) + strings.Repeat(`\x20`, len(line)-len(trimmed))
}
