package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"io"
	"os"
	"strings"

	luabind "github.com/mailexpect/mailexpect/luabind"
	"github.com/mailexpect/mailexpect/runtime/interact"
	"github.com/mailexpect/mailexpect/runtime/session"
)

// connect.lua is the connect subcommand: the protocol modules do the
// greeting, STARTTLS and capabilities, s:interact hands the session to
// the person, ~login is the module's auth. A Lua program rather than Go
// so that the terminal session and scripts share one implementation of
// each protocol step, of credentials and of the transcript.
//
//go:embed connect.lua
var connectScript []byte

const connectUsage = `usage: mailexpect [-v] [--log FILE] connect [flags] URL

Connects to a mail server for a person to type to (telnet / openssl s_client
for mail). URL is smtp://, submission://, smtps://, lmtp://, pop3://,
pop3s://, imap://, imaps:// HOST[:PORT], or HOST:PORT (a well-known mail
port means its protocol; any other is plain TCP). TLS as the scheme says:
STARTTLS / STLS on its own for smtp, submission, pop3, imap; implicit for the
*s schemes; the certificate verified. Shown: the greeting, the capabilities
and one TLS line; then what you type is sent with CRLF and what the server
sends is shown as it arrives (control characters escaped).

Local commands at the start of a line: ~. leaves, ~? lists them, ~login
[USER] logs in (AUTH PLAIN/LOGIN/CRAM-MD5, POP3 USER/APOP, IMAP
LOGIN/AUTHENTICATE) with the password from --secret-file, MAILEXPECT_PASS,
~/.netrc or a prompt that does not echo; ~starttls upgrades a session
opened with --tls none; ~~ sends a line starting with ~.

Flags:
  --ca-file FILE      a CA to trust besides the system's (default:
                      MAILEXPECT_CA_FILE)
  --insecure          do not verify the certificate (the TLS line says why
                      it would fail)
  --servername NAME   the name to verify and send as SNI
  --cert-file F --key-file F   a TLS client certificate and its key (PEM)
  --min-version V     1.2 or 1.3: the lowest TLS version accepted
  --pin sha256/B64    the server's key must be this one (curl's --pinnedpubkey)
  --proxy URL         socks5://, socks5h:// or http:// (CONNECT) host:port, or
                      env (ALL_PROXY / NO_PROXY)
  --unix-socket PATH  dial this socket instead of the URL's host
  --resolver IP[:P]   the DNS server for names and mx:DOMAIN addresses
  --tls MODE          implicit, starttls or none (default: by the scheme)
  --helo NAME         the EHLO/LHLO name (default localhost)
  --user USER         the login for ~login (default MAILEXPECT_USER)
  --secret-file FILE  the password for ~login
  --auth MECH         plain, login, cram-md5, scram-sha-256, user, apop, login-command...
  --allow-plaintext-auth   let ~login send a password without TLS
  -v, --log FILE, --log-format FMT, --timeout SECONDS, -q   as for scripts
`

// executeConnect runs mailexpect connect with its arguments.
func executeConnect(ctx context.Context, o *options, stdin io.Reader, stdout, stderr io.Writer) int {
	c := map[string]any{"ca_file": os.Getenv("MAILEXPECT_CA_FILE"), "insecure": false, "allow_plaintext_auth": false}
	str := func(name string) { c[strings.ReplaceAll(name, "-", "_")] = "" }
	fs := flag.NewFlagSet("mailexpect connect", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, name := range []string{"servername", "tls", "helo", "user", "secret-file", "auth",
		"cert-file", "key-file", "min-version", "pin", "proxy", "unix-socket", "resolver"} {
		str(name)
		key := strings.ReplaceAll(name, "-", "_")
		fs.Func(name, "", func(v string) error { c[key] = v; return nil })
	}
	fs.Func("ca-file", "", func(v string) error { c["ca_file"] = v; return nil })
	fs.BoolFunc("insecure", "", func(string) error { c["insecure"] = true; return nil })
	fs.BoolFunc("allow-plaintext-auth", "", func(string) error { c["allow_plaintext_auth"] = true; return nil })
	fs.BoolVar(&o.verbose, "v", o.verbose, "")
	fs.BoolVar(&o.quiet, "q", o.quiet, "")
	fs.StringVar(&o.logFile, "log", o.logFile, "")
	fs.StringVar(&o.logFormat, "log-format", o.logFormat, "")
	fs.Func("timeout", "", durationFlag(&o.timeout))
	help := false
	fs.BoolVar(&help, "h", false, "")
	fs.BoolVar(&help, "help", false, "")
	err := parseFlags(fs, o.connectArgs) // sets help: not in usageOrHelp's argument list
	if code, done := usageOrHelp(err, help, connectUsage, stdout, stderr); done {
		return code
	}
	if fs.NArg() != 1 {
		printError(stderr, usageErr("mailexpect connect --help shows the flags", "connect takes one address (a URL such as smtp://host or host:port), got %d arguments", fs.NArg()))
		return luabind.ExitUsage
	}
	url := fs.Arg(0)
	if _, err := session.ParseAddress(url); err != nil {
		printError(stderr, usageErr("", "%v", err))
		return luabind.ExitUsage
	}
	switch c["tls"] {
	case "", "implicit", "starttls", "none":
	default:
		printError(stderr, usageErr("", "--tls must be implicit, starttls or none, not %q", c["tls"]))
		return luabind.ExitUsage
	}
	if o.verbose && o.quiet {
		printError(stderr, usageErr("use one of them", "-v and -q contradict each other"))
		return luabind.ExitUsage
	}
	c["url"] = url

	proto, err := luabind.Compile("(connect)", connectScript)
	if err != nil {
		printError(stderr, err)
		return luabind.ExitFailure
	}
	cfg := baseConfig(o, "connect")
	cfg.Args = nil
	cfg.Stdout, cfg.Stderr = stdout, interact.AboveLine(stderr)
	cfg.ReadOnly = map[string]any{"CONNECT": c}
	if f, ok := stdin.(*os.File); ok {
		cfg.Stdin = f
	}
	cleanup, code, ok := prepareRun(&cfg, o, stderr, stderr)
	if !ok {
		return code
	}
	defer cleanup()
	code, err = luabind.NewRunner(cfg).Run(ctx, proto)
	var re *luabind.RunError
	if err != nil && !(errors.As(err, &re) && re.Reported) {
		printError(stderr, err)
	}
	return code
}
