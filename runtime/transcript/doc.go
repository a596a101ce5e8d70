// Package transcript records every session of a run, line by line, with
// secrets masked. It is what -v prints on stderr and what --log writes.
//
// A run has one *Secrets registry (every value the script marks secret) and
// one *Log; each session writes through its own *Stream:
//
//	secrets := transcript.NewSecrets()
//	log := transcript.New(os.Stderr, transcript.Text, secrets)
//	st := log.Stream("smtp#1")
//	st.Received(chunk)            // from the read loop, in whatever pieces TCP gives
//	st.Sent([]byte("EHLO client.example\r\n"), false)
//	st.Close()
//
// A nil *Log and a nil *Stream are valid and do nothing, so callers need no
// nil checks; New(nil, ...) returns nil.
//
// # Format
//
// Text, one protocol line per transcript line:
//
//	2026-11-25T20:12:28.123Z smtp#1 <<< 220 mx.example ESMTP
//	2026-11-25T20:12:28.124Z smtp#1 >>> STARTTLS
//	2026-11-25T20:12:28.131Z smtp#1 --- TLS 1.3 TLS_AES_128_GCM_SHA256, verified, peer CN=mx.example
//	2026-11-25T20:12:28.131Z smtp#1 ~>> AUTH PLAIN ***
//	2026-11-25T20:12:28.140Z smtp#1 <<~ 235 2.7.0 Authentication successful
//
// The time is UTC with milliseconds. The marker says the direction and the
// TLS state of the connection when the line crossed it: ">>>" sent and
// "<<<" received in clear text, "~>>" and "<<~" under TLS (the tilde
// replaces the arrow on the wire side), "---" a note. Every marker is three
// characters wide, so columns line up whatever the state.
//
// The line terminator (LF or CRLF) is not printed. Everything else that is
// not printable is escaped so that a transcript line is always one line of
// text: "\t", "\r" (a CR that does not end the line), "\n" (in notes),
// "\x00".."\x1f", "\x7f", "\xff" for each byte of invalid UTF-8, and
// "\u202e"-style for non-printing runes such as bidirectional overrides.
// Backslashes are not doubled, so IMAP's \Seen and quoted strings read as
// they were sent; the text form is for people, and a literal `\x00` in the
// data looks the same as an escaped NUL.
//
// JSON (--log-format json) writes one object per line with the same text:
//
//	{"time":"2026-11-25T20:12:28.131Z","session":"smtp#1","dir":"send","tls":true,"line":"AUTH PLAIN ***"}
//
// dir is "send", "recv" or "note"; "secret":true marks a line sent as
// secret, and "bytes":N gives the full length of a truncated line. line is
// exactly what the text format shows after the marker (escaped as above,
// then JSON-encoded), so nothing is lost to JSON's UTF-8 rules.
//
// A line longer than MaxLine bytes is cut there and ends with
// "… [N bytes]", N being the whole line's length; a 10 MB line costs a few
// KiB of memory and output.
//
// # Lines
//
// Received bytes are reassembled into lines before they are masked and
// printed: a line is printed when its LF arrives, so a secret split across
// two reads is still one string to the masker. An incomplete received line
// (a prompt, or the last words before a close) is printed when the client
// sends, when the TLS state changes (bytes that arrived in clear text show
// as clear text), and at Flush or Close; never because of a note, which
// may come from another goroutine mid-line. Each Sent call is printed as
// the lines it contains, its last piece even without an LF.
//
// # Masking
//
// Every printed line, note and session label goes through Secrets.Mask,
// which replaces with "***":
//
//   - each registered value;
//   - its quoted and encoded forms: Go %q (also what Lua's %q prints) and
//     %+q, JSON (with and without HTML escaping), the IMAP quoted string
//     (a backslash before `"` and `\`), URL query, path and userinfo
//     escaping (upper and lower case hex);
//   - any base64 token, standard or URL alphabet, padded or not, of at
//     least 4 characters, whose decoding contains a value: AUTH PLAIN's
//     base64("\x00user\x00pass"), AUTH LOGIN's base64("pass"), XOAUTH2's
//     base64("user=u\x01auth=Bearer TOKEN\x01\x01"), HTTP Basic. The token
//     is decoded at each of its four alignments, so it is found even when
//     glued to a prefix ("Basic%20dXNl...", "xdXNl..."). Only the token is
//     masked: "AUTH PLAIN ***".
//
// A CRAM-MD5 response, base64("user " + hex(HMAC)), shows: an HMAC does not
// reveal the password, and the user name is not a secret unless registered.
//
// Very short values are the one compromise. A value of 1 or 2 bytes masked
// everywhere would turn every "e" in the transcript into "***" and make it
// useless, while hiding nothing (the same letters are all around it). Such
// a value, and each of its forms, is masked only where it stands as a word:
// not glued to a letter, digit, '_' or non-ASCII byte on a side where the
// value itself begins or ends with one; a value without any such byte
// (" ", ":", "!!") must have a separator (space, line end, quote, bracket,
// ':' '=' '@' ',' ';', NUL) on both sides, or every space or colon of a
// line would be masked and the words around them lost. That covers every
// place a protocol puts a credential ("PASS a", `LOGIN u "a"`,
// "user:a@host"). In a decoded
// base64 token it must fill the whole token (AUTH LOGIN) or be a field
// (after NUL, \x01, ' ', '=' or ':', before NUL, \x01 or the end). Values of
// 3 bytes or more are masked wherever they appear, decoded or not.
//
// A registered value containing CR or LF is also registered line by line,
// since masking works on lines. A line sent with secret=true is printed as
// "***" (without its length), and its text is registered, so a server that
// echoes it back is masked too.
//
// Masking happens before a long line is cut: the masker sees MaxLine bytes
// plus a margin at least as long as the longest form of any value, so a
// value that starts before the cut is masked whole and never shows half;
// a base64 token running past what is kept is masked whole, since its
// unseen tail could hold a value.
//
// Masking comes before escaping: the masker sees the bytes as they were
// (a value with a control character in it matches), and escaping can only
// add text next to what was already masked.
//
// Limits: a value split across two lines (a MIME base64 body broken at 76
// columns, a prompt printed before the rest of its line arrived) is masked
// only if each piece is itself registered.
package transcript
