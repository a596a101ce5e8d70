package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	luabind "github.com/mailexpect/mailexpect/luabind"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// The send subcommand is a Lua chunk over the smtp and mime modules: one
// SMTP client in mailexpect, whichever way it is driven.
//
//go:embed send.lua
var sendLua []byte

// sendOptions are the flags of mailexpect send, as send.lua reads them
// (JSON field names).
type sendOptions struct {
	Server      string       `json:"server"`
	URL         string       `json:"url"`
	From        string       `json:"from"`
	To          []string     `json:"to"`
	Cc          []string     `json:"cc"`
	Bcc         []string     `json:"bcc"`
	Headers     [][2]string  `json:"headers"`
	Subject     string       `json:"subject,omitempty"`
	Body        *string      `json:"body,omitempty"`
	Data        *[]byte      `json:"data,omitempty"` // base64 in the JSON: a message's 8-bit bytes as they are
	Attach      []attachFlag `json:"attach"`
	LMTP        bool         `json:"lmtp"`
	Helo        string       `json:"helo,omitempty"`
	TLS         string       `json:"tls,omitempty"`
	CAFile      string       `json:"ca_file,omitempty"`
	Insecure    bool         `json:"insecure"`
	CertFile    string       `json:"cert_file,omitempty"`
	KeyFile     string       `json:"key_file,omitempty"`
	MinVersion  string       `json:"min_version,omitempty"`
	Pin         []string     `json:"pin,omitempty"`
	Proxy       string       `json:"proxy,omitempty"`
	UnixSocket  string       `json:"unix_socket,omitempty"`
	Resolver    string       `json:"resolver,omitempty"`
	Chunking    *bool        `json:"chunking,omitempty"`
	Auth        string       `json:"auth,omitempty"` // "auto" or a mechanism
	User        string       `json:"user,omitempty"`
	SecretFile  string       `json:"secret_file,omitempty"`
	TokenFile   string       `json:"token_file,omitempty"`
	Token       string       `json:"token,omitempty"` // --token-file -: read from stdin here
	Plaintext   bool         `json:"allow_plaintext_auth"`
	QuitAfter   string       `json:"quit_after,omitempty"`
	Pipeline    bool         `json:"pipeline"`
	fromGiven   bool
	jsonOut     bool
	subjectSet  bool
	stdinTaken  string // the flag that reads stdin, so two cannot
	protocolArg string
}

type attachFlag struct {
	File string `json:"file,omitempty"`
	Data []byte `json:"data,omitempty"` // --attach -: stdin's bytes (base64 in the JSON, so any byte survives)
	Name string `json:"name,omitempty"`
	Type string `json:"type,omitempty"`
}

// stdinAttachment is the name of an attachment read from stdin without
// ;name=: a name, so that mail programs offer to save it, but no
// extension to guess (its type is sniffed from the content).
const stdinAttachment = "attachment"

// quitStages are --quit-after's values and the names swaks also accepts.
var quitStages = map[string]string{
	"connect": "connect", "banner": "connect", "ehlo": "ehlo", "helo": "ehlo", "lhlo": "ehlo",
	"tls": "tls", "starttls": "tls", "auth": "auth", "mail": "mail", "from": "mail",
	"rcpt": "rcpt", "to": "rcpt",
}

// authFlag is --auth (automatic choice) or --auth=MECH: a flag whose value
// is optional, like swaks' -a.
type authFlag struct{ v *string }

func (a authFlag) String() string { return "" }
func (a authFlag) Set(s string) error {
	switch s {
	case "true", "":
		*a.v = "auto"
	case "false":
		*a.v = ""
	default:
		*a.v = strings.ToUpper(s)
	}
	return nil
}
func (a authFlag) IsBoolFlag() bool { return true }

type listFlag struct{ l *[]string }

func (f listFlag) String() string     { return "" }
func (f listFlag) Set(s string) error { *f.l = append(*f.l, s); return nil }

// parseSendArgs reads the flags after "send". stdin is read for "-" in
// --body or --data.
func parseSendArgs(args []string, o *options, stdin io.Reader) (*sendOptions, error) {
	so := &sendOptions{To: []string{}, Cc: []string{}, Bcc: []string{}, Headers: [][2]string{}, Attach: []attachFlag{}}
	fs := flag.NewFlagSet("mailexpect send", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&so.Server, "server", "", "")
	fs.StringVar(&so.Server, "s", "", "")
	fs.Func("from", "", func(s string) error { so.From, so.fromGiven = s, true; return nil })
	fs.Func("f", "", func(s string) error { so.From, so.fromGiven = s, true; return nil })
	fs.Var(listFlag{&so.To}, "to", "")
	fs.Var(listFlag{&so.To}, "t", "")
	fs.Var(listFlag{&so.Cc}, "cc", "")
	fs.Var(listFlag{&so.Bcc}, "bcc", "")
	fs.Func("header", "", func(s string) error {
		name, value, ok := strings.Cut(s, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return fmt.Errorf("--header wants 'Name: value', got %q", s)
		}
		so.Headers = append(so.Headers, [2]string{name, strings.TrimLeft(value, " \t")})
		return nil
	})
	fs.Func("subject", "", func(s string) error { so.Subject, so.subjectSet = s, true; return nil })
	fs.Func("body", "", func(s string) error {
		b, err := so.readArg("--body", s, stdin, false)
		if err == nil && !utf8.ValidString(b) {
			// It goes out as UTF-8 text: other bytes would become U+FFFD.
			err = fmt.Errorf("--body %s is not UTF-8 text (convert it, e.g. iconv -f latin1 -t utf-8, send it with --attach, or a whole message with --data)", shortArg(s))
		}
		so.Body = &b
		return err
	})
	fs.Func("data", "", func(s string) error {
		b, err := so.readArg("--data", s, stdin, true)
		data := []byte(b)
		so.Data = &data
		return err
	})
	fs.Func("attach", "", func(s string) error {
		a, err := parseAttach(s)
		if err == nil && a.File == "-" {
			var data string
			data, err = so.readStdin("--attach", stdin, maxMessage)
			a.File, a.Data = "", []byte(data)
			if a.Name == "" {
				a.Name = stdinAttachment
			}
		}
		so.Attach = append(so.Attach, a)
		return err
	})
	fs.StringVar(&so.protocolArg, "protocol", "smtp", "")
	fs.StringVar(&so.Helo, "helo", "", "")
	fs.StringVar(&so.TLS, "tls", "", "")
	fs.StringVar(&so.CAFile, "ca-file", "", "")
	fs.BoolVar(&so.Insecure, "insecure", false, "")
	fs.StringVar(&so.CertFile, "cert-file", "", "")
	fs.StringVar(&so.KeyFile, "key-file", "", "")
	fs.StringVar(&so.MinVersion, "min-version", "", "")
	fs.Func("pin", "", func(v string) error { so.Pin = append(so.Pin, v); return nil })
	fs.StringVar(&so.Proxy, "proxy", "", "")
	fs.StringVar(&so.UnixSocket, "unix-socket", "", "")
	fs.StringVar(&so.Resolver, "resolver", "", "")
	fs.BoolFunc("chunking", "", func(v string) error {
		b := v != "false"
		so.Chunking = &b
		return nil
	})
	fs.Var(authFlag{&so.Auth}, "auth", "")
	fs.StringVar(&so.User, "user", "", "")
	fs.StringVar(&so.SecretFile, "secret-file", "", "")
	fs.BoolVar(&so.Plaintext, "allow-plaintext-auth", false, "")
	fs.Func("quit-after", "", func(s string) error {
		st, ok := quitStages[strings.ToLower(s)]
		if !ok {
			return fmt.Errorf("--quit-after wants connect, ehlo, tls, auth, mail or rcpt, got %q", s)
		}
		so.QuitAfter = st
		return nil
	})
	fs.BoolVar(&so.Pipeline, "pipeline", false, "")
	fs.BoolVar(&so.jsonOut, "json", false, "")
	fs.BoolVar(&o.verbose, "v", o.verbose, "")
	fs.Func("timeout", "", durationFlag(&o.timeout))
	fs.Func("pass", "", func(string) error {
		return errors.New("there is no password flag (it would show in ps and the shell history): set MAILEXPECT_PASS, use --secret-file FILE or ~/.netrc")
	})
	fs.Func("token-file", "", func(s string) error {
		if s != "-" {
			so.TokenFile = s
			return nil
		}
		t, err := so.readStdin("--token-file", stdin, maxToken)
		so.Token = strings.TrimRight(t, "\r\n")
		switch {
		case err != nil:
		case so.Token == "":
			err = errors.New("--token-file -: stdin holds no token")
		case strings.ContainsAny(so.Token, "\r\n"):
			err = errors.New("--token-file -: stdin holds more than one line; a token is one line")
		}
		return err
	})
	// curl's --oauth2-bearer and the like put the token in ps and the
	// shell history: refused, naming the ways that do not.
	for _, name := range []string{"token", "oauth2-bearer", "auth-token", "bearer"} {
		fs.Func(name, "", func(string) error {
			return errors.New("there is no token flag (it would show in ps and the shell history): set MAILEXPECT_TOKEN or use --token-file FILE (- reads stdin)")
		})
	}
	fs.BoolVar(&o.help, "h", false, "")
	fs.BoolVar(&o.help, "help", false, "")
	if err := fs.Parse(args); err != nil {
		return nil, commandFlagError(err, args, "run 'mailexpect send --help' for its flags")
	}
	if o.help {
		return so, nil
	}
	if rest := fs.Args(); len(rest) > 0 {
		hint := "flags of mailexpect send only; --auth takes its mechanism as --auth=PLAIN"
		return nil, usageErr(hint, "unexpected argument %q", rest[0])
	}
	return so, so.validate(o.sandbox || o.replay != "") // a sandbox recording sets MAILEXPECT_SMTP again
}

// readArg reads TEXT, @FILE or - (stdin, once).
func (so *sendOptions) readArg(flagName, s string, stdin io.Reader, fileOnly bool) (string, error) {
	switch {
	case s == "-":
		return so.readStdin(flagName, stdin, maxMessage)
	case strings.HasPrefix(s, "@"):
		st, err := os.Stat(s[1:])
		if err != nil {
			return "", fmt.Errorf("%s: %v", flagName, unwrapPath(err))
		}
		if st.Size() > maxMessage {
			return "", fmt.Errorf("%s: %s has %d bytes, more than %d", flagName, s[1:], st.Size(), maxMessage)
		}
		b, err := os.ReadFile(s[1:])
		if err != nil {
			return "", fmt.Errorf("%s: %v", flagName, unwrapPath(err))
		}
		return string(b), nil
	case fileOnly:
		return "", fmt.Errorf("%s wants @FILE or - (stdin), got %q", flagName, s)
	}
	return s, nil
}

// shortArg is a flag's value as an error message names it: a file
// (@FILE, -) as given, text cut after 40 bytes.
func shortArg(s string) string {
	if len(s) > 40 && !strings.HasPrefix(s, "@") {
		return strings.ToValidUTF8(s[:40], "?") + "..."
	}
	return strings.ToValidUTF8(s, "?")
}

// readStdin reads stdin for flagName's "-", at most limit bytes; only one
// flag may read it.
func (so *sendOptions) readStdin(flagName string, stdin io.Reader, limit int) (string, error) {
	if so.stdinTaken != "" {
		return "", fmt.Errorf("%s - and %s - cannot both read stdin", so.stdinTaken, flagName)
	}
	so.stdinTaken = flagName
	b, err := io.ReadAll(io.LimitReader(stdin, int64(limit)+1))
	if err != nil {
		return "", fmt.Errorf("%s -: %v", flagName, err)
	}
	if len(b) > limit {
		return "", fmt.Errorf("%s -: more than %d bytes", flagName, limit)
	}
	return string(b), nil
}

// maxMessage bounds what --body, --data and stdin may hold (as mime does).
const maxMessage = 256 << 20

// maxToken bounds a bearer token read from stdin (real ones are a few KiB).
const maxToken = 64 << 10

// parseAttach reads FILE[;name=NAME][;type=TYPE]; FILE "-" is stdin, read
// by the caller.
func parseAttach(s string) (attachFlag, error) {
	a := attachFlag{File: s}
	for {
		i := strings.LastIndex(a.File, ";")
		if i < 0 {
			break
		}
		k, v, ok := strings.Cut(a.File[i+1:], "=")
		if !ok || (k != "name" && k != "type") {
			break
		}
		if k == "name" {
			a.Name = v
		} else {
			a.Type = v
		}
		a.File = a.File[:i]
	}
	if a.File == "" {
		return a, fmt.Errorf("--attach wants FILE[;name=NAME][;type=TYPE] (FILE - reads stdin), got %q", s)
	}
	if a.File == "-" {
		return a, nil
	}
	if _, err := os.Stat(a.File); err != nil {
		return a, fmt.Errorf("--attach: %v", unwrapPath(err))
	}
	return a, nil
}

// validate checks what the flags say together, before anything connects.
// Under --sandbox the server comes from the sandbox (resolve).
func (so *sendOptions) validate(sandbox bool) error {
	if so.Server == "" && os.Getenv("MAILEXPECT_SMTP") == "" && !sandbox {
		return usageErr("or set MAILEXPECT_SMTP (mailexpect --sandbox send sets it)", "--server URL|HOST[:PORT] is required")
	}
	switch strings.ToLower(so.protocolArg) {
	case "smtp", "esmtp":
	case "lmtp":
		so.LMTP = true
	default:
		return usageErr("", "--protocol wants smtp or lmtp, got %q", so.protocolArg)
	}
	switch so.TLS {
	case "", "starttls", "implicit", "none":
	default:
		return usageErr("", "--tls wants starttls, implicit or none, got %q", so.TLS)
	}
	if so.QuitAfter == "" || so.QuitAfter == "rcpt" {
		if len(so.To)+len(so.Cc)+len(so.Bcc) == 0 {
			return usageErr("", "--to ADDRESS is required (or --cc/--bcc)")
		}
	}
	if so.QuitAfter == "" || so.QuitAfter == "mail" || so.QuitAfter == "rcpt" {
		if !so.fromGiven {
			return usageErr("--from '' sends the null sender <>", "--from ADDRESS is required")
		}
	}
	if so.Data != nil && (so.Body != nil || len(so.Attach) > 0 || len(so.Headers) > 0 || so.subjectSet) {
		return usageErr("--data sends a whole message as it is", "--data excludes --body, --attach, --header and --subject")
	}
	if so.Data == nil && so.Body == nil && len(so.Attach) == 0 {
		b := "This is a test message sent by mailexpect send.\n"
		so.Body = &b
	}
	if so.Data == nil && !so.subjectSet {
		so.Subject = "mailexpect send test"
	}
	if so.Auth == "" && (so.User != "" || so.SecretFile != "" || so.TokenFile != "" || so.Token != "") {
		return usageErr("add --auth (or --auth=MECH)", "--user, --secret-file and --token-file are for --auth")
	}
	if (so.TokenFile != "" || so.Token != "") && so.Auth != "auto" && so.Auth != "XOAUTH2" && so.Auth != "OAUTHBEARER" {
		return usageErr("", "--token-file is for --auth=OAUTHBEARER, --auth=XOAUTH2 or --auth (which then prefers them), not --auth=%s", so.Auth)
	}
	if so.SecretFile != "" && (so.TokenFile != "" || so.Token != "") {
		return usageErr("a token logs in with OAUTHBEARER or XOAUTH2, a password with the others", "--secret-file and --token-file exclude each other")
	}
	return so.checkUTF8()
}

// checkUTF8 refuses a text flag that is not UTF-8, naming it, as --body
// does: the flags reach the script as JSON strings, which turn each
// other byte into U+FFFD, so a Latin-1 --subject would go out changed.
func (so *sendOptions) checkUTF8() error {
	type text struct{ flag, value string }
	texts := []text{{"--from", so.From}, {"--subject", so.Subject}, {"--helo", so.Helo}, {"--user", so.User}}
	for flag, addrs := range map[string][]string{"--to": so.To, "--cc": so.Cc, "--bcc": so.Bcc} {
		for _, a := range addrs {
			texts = append(texts, text{flag, a})
		}
	}
	for _, h := range so.Headers {
		texts = append(texts, text{"--header", h[0] + ": " + h[1]})
	}
	for _, a := range so.Attach {
		texts = append(texts, text{"--attach ;name=", a.Name})
	}
	for _, t := range texts {
		if !utf8.ValidString(t.value) {
			return usageErr("convert it, e.g. with iconv -f latin1 -t utf-8",
				"%s %s is not UTF-8 text (it would go out with U+FFFD in place of each other byte)", t.flag, shortArg(t.value))
		}
	}
	return nil
}

// resolve fills in the server (MAILEXPECT_SMTP unless --server) and the
// URL the smtp module connects to: HOST[:PORT] is smtp:// (lmtp:// with
// --protocol lmtp), so the module's port and TLS defaults apply.
func (so *sendOptions) resolve() {
	if so.Server == "" {
		so.Server = os.Getenv("MAILEXPECT_SMTP")
	}
	switch {
	case strings.Contains(so.Server, "://"), strings.HasPrefix(so.Server, "mx:"):
		so.URL = so.Server
	case so.LMTP:
		so.URL = "lmtp://" + so.Server
	default:
		so.URL = "smtp://" + so.Server
	}
}

// executeSend runs mailexpect send and returns the exit code.
func executeSend(ctx context.Context, o *options, stdin io.Reader, stdout, stderr io.Writer) int {
	so, err := parseSendArgs(o.sendArgs, o, stdin)
	if code, done := usageOrHelp(err, o.help, sendUsage, stdout, stderr); done {
		return code
	}
	proto, err := luabind.Compile("mailexpect/send.lua", sendLua)
	if err != nil {
		printError(stderr, err)
		return luabind.ExitFailure
	}
	cfg := baseConfig(o, "mailexpect send")
	cfg.Stdout, cfg.Stderr = stdout, stderr
	cfg.MaxTime = o.maxTime
	cleanup, code, ok := prepareRun(&cfg, o, stderr, stderr)
	if !ok {
		return code
	}
	defer cleanup()
	if so.Token != "" {
		cfg.Secrets.Add(so.Token) // masked before the script sees it
	}
	so.resolve()
	cfgJSON, err := json.Marshal(so)
	if err != nil {
		printError(stderr, err)
		return luabind.ExitFailure
	}
	cfg.Args = []string{string(cfgJSON)}
	code, value, err := luabind.NewRunner(cfg).RunValue(ctx, proto)
	if err != nil {
		printError(stderr, err)
		return code
	}
	out, _ := value.(map[string]any)
	exit, _ := out["exit"].(int64)
	line, _ := out["line"].(string)
	// The line quotes the server: its control bytes must not reach the
	// terminal (JSON escapes them by itself).
	line = transcript.Escape(cfg.Secrets.Mask(line))
	if so.jsonOut {
		b, err := json.Marshal(out["result"])
		if err != nil {
			printError(stderr, err)
			return luabind.ExitFailure
		}
		fmt.Fprintf(stdout, "%s\n", cfg.Secrets.Mask(string(b)))
	}
	switch {
	case exit == 0 && !so.jsonOut:
		fmt.Fprintln(stdout, line)
	case exit != 0:
		fmt.Fprintf(stderr, "mailexpect send: %s\n", line)
	}
	return int(exit)
}

// sendUsage is mailexpect send --help; docs/send.md has the details.
const sendUsage = `usage: mailexpect [--sandbox] [-v] send --server URL|HOST[:PORT] --from ADDR --to ADDR [flags]

Send one message through the smtp module, or stop after a stage with
--quit-after. One line on stdout: the final reply and the queue id.

Server and session:
  --server, -s URL|HOST[:PORT]  smtp://, submission://, smtps://, lmtp://,
                        host[:port] or mx:DOMAIN (its MX hosts in order)
                        (default: $MAILEXPECT_SMTP; port 25)
  --protocol smtp|lmtp  LHLO and one reply per recipient with lmtp
  --helo NAME           the EHLO/LHLO name (default localhost)
  --tls MODE            starttls (required; the default), implicit (smtps://
                        and port 465 default to it) or none
  --ca-file FILE        trust this CA too;  --insecure: skip verification
  --cert-file F --key-file F  a TLS client certificate and its key (PEM)
  --min-version 1.2|1.3 the lowest TLS version accepted
  --pin sha256/BASE64   the server key must be this one (curl's
                        --pinnedpubkey; repeatable)
  --proxy URL           socks5://, socks5h:// or http:// (CONNECT) host:port,
                        or env (ALL_PROXY / NO_PROXY)
  --unix-socket PATH    dial this socket (LMTP to a local Dovecot)
  --resolver IP[:PORT]  the DNS server for names and --server mx:DOMAIN
  --chunking[=false]    BDAT (RFC 3030); default: for binary content when
                        the server offers CHUNKING
  --auth[=MECH]         authenticate (PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-1,
                        SCRAM-SHA-256, OAUTHBEARER, XOAUTH2; default: the first
                        offered); user from --user or $MAILEXPECT_USER, password
                        from $MAILEXPECT_PASS, --secret-file FILE or ~/.netrc,
                        never a flag
  --token-file FILE|-   an OAuth 2.0 bearer token for OAUTHBEARER/XOAUTH2 (- reads
                        stdin; also $MAILEXPECT_TOKEN), never a flag; with
                        --auth alone OAUTHBEARER when offered, else XOAUTH2
  --allow-plaintext-auth  let PLAIN/LOGIN go without TLS
  --pipeline            MAIL, RCPT and DATA in one round trip when offered
  --timeout SECONDS     per reply (default 10)
  --quit-after STAGE    connect, ehlo, tls, auth, mail or rcpt: QUIT there

Envelope and message:
  --from, -f ADDR       the envelope sender and From ('' for <>)
  --to, -t ADDR         repeatable; also --cc (and in the header) and --bcc
  --header 'Name: value'  repeatable; non-ASCII becomes RFC 2047
  --subject TEXT        default "mailexpect send test"
  --body TEXT|@FILE|-   the text (default: a one-line test text)
  --attach FILE[;name=NAME][;type=TYPE]  repeatable; type from the
                        extension, else the content; FILE - reads stdin
                        (named "attachment" unless ;name=)
  --data @FILE|-        a whole message as it is, instead of the above

Output:
  -v                    the transcript on stderr, passwords masked
  --json                one JSON object: stages, replies, timings, TLS

Exit codes: 0 every recipient accepted (or --quit-after reached), 2 usage,
  3 connect, 6 timeout or connection lost, 21 greeting, 22 EHLO,
  23 MAIL, 24 RCPT (any refused), 25 DATA, 26 message refused after
  DATA, 28 AUTH, 29 TLS, 32 EHLO after STARTTLS, 1 anything else.

Examples:
  mailexpect send --server mx.example.com --from me@example.com --to you@example.com
  mailexpect send -s submission://mail.example.com --auth --user me@example.com \
      --from me@example.com --to you@example.com --subject 'Grüße' \
      --header 'X-Test: 1' --attach report.pdf
  mailexpect send -s mx.example.com --from '' --to postmaster@example.com --quit-after rcpt
  mailexpect --sandbox send --from demo1@sandbox.test --to demo2@sandbox.test --json
`
