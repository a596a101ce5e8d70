package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/mailexpect/mailexpect/internal/sandbox"
	luabind "github.com/mailexpect/mailexpect/luabind"
)

// sandboxFlags are the embedded server's settings: `mailexpect sandbox`
// takes all of them, a `--sandbox` run takes --fault and --users (its
// ports are always ephemeral loopback ones).
type sandboxFlags struct {
	cfg    sandbox.Config
	faults []string // as given, for error messages and the banner
	users  bool     // --users was given
}

// faultFlag is the repeatable --fault [LISTENER=]SPEC; a bad spec is a
// usage error at once, before anything listens.
func (sf *sandboxFlags) faultFlag(s string) error {
	if err := sf.cfg.AddFault(s); err != nil {
		return err
	}
	sf.faults = append(sf.faults, s)
	return nil
}

func (sf *sandboxFlags) usersFlag(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 10000 {
		return fmt.Errorf("want a number of demo users from 1 to 10000, got %q", s)
	}
	sf.cfg.Users, sf.users = n, true
	return nil
}

// register adds --fault and --users to fs.
func (sf *sandboxFlags) register(fs *flag.FlagSet) {
	fs.Func("fault", "", sf.faultFlag)
	fs.Func("users", "", sf.usersFlag)
}

// checkSandboxFlags refuses sandbox settings on a run without --sandbox:
// they would be silently ignored.
func checkSandboxFlags(o *options) error {
	if o.sandbox {
		return nil
	}
	switch {
	case len(o.sbx.faults) > 0:
		return usageErr("mailexpect --sandbox --fault SPEC SCRIPT.lua, or mailexpect sandbox --fault SPEC",
			"--fault needs --sandbox: faults are the embedded server's")
	case o.sbx.users:
		return usageErr("", "--users needs --sandbox")
	}
	return nil
}

// startSandbox starts the embedded server for a --sandbox run and wires it
// into cfg: the read-only global sandbox, the MAILEXPECT_* variables, the
// sandbox CA trusted by every connect, and its events in the transcript.
// The returned function stops the server and restores the environment.
func startSandbox(cfg *luabind.Config, sf *sandboxFlags) (stop func(), err error) {
	sc := sf.cfg
	if tr := cfg.Transcript; tr != nil {
		sc.Logf = func(format string, args ...any) { tr.Logf("sandbox", format, args...) }
	}
	srv, err := sandbox.Start(sc)
	if err != nil {
		return nil, err
	}
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	roots.AppendCertsFromPEM(srv.CAPEM())
	cfg.RootCAs = roots

	if cfg.ReadOnly == nil {
		cfg.ReadOnly = map[string]any{}
	}
	cfg.ReadOnly["sandbox"] = sandboxTable(srv)

	restore := setEnv(srv.Env())
	return func() {
		restore()
		srv.Close()
	}, nil
}

// sandboxTable is the global sandbox of docs/DESIGN.md: {smtp =, pop3 =, imap =,
// smtps =, pop3s =, imaps =, lmtp =, ca_file =, users = {{user =, pass =,
// address =}, ...}}.
func sandboxTable(srv *sandbox.Server) map[string]any {
	var users []any
	for _, u := range srv.Users() {
		users = append(users, map[string]any{"user": u.Name, "pass": u.Pass, "address": u.Address})
	}
	return map[string]any{
		"smtp":    srv.SMTPAddr(),
		"pop3":    srv.POP3Addr(),
		"imap":    srv.IMAPAddr(),
		"smtps":   srv.SMTPSAddr(),
		"pop3s":   srv.POP3SAddr(),
		"imaps":   srv.IMAPSAddr(),
		"lmtp":    srv.LMTPAddr(),
		"ca_file": srv.CAFile(),
		"users":   users,
	}
}

// setEnv sets NAME=value pairs in the process environment, so env(),
// secret_env(), os.getenv and child processes see them, and returns a
// function that puts the previous values back.
func setEnv(pairs []string) (restore func()) {
	type old struct {
		name, value string
		set         bool
	}
	var olds []old
	for _, kv := range pairs {
		name, value, _ := strings.Cut(kv, "=")
		v, set := os.LookupEnv(name)
		olds = append(olds, old{name, v, set})
		os.Setenv(name, value)
	}
	return func() {
		for _, o := range olds {
			if o.set {
				os.Setenv(o.name, o.value)
			} else {
				os.Unsetenv(o.name)
			}
		}
	}
}

// serveOptions are the command line of `mailexpect sandbox`.
type serveOptions struct {
	sbx   sandboxFlags
	web   string // --web ADDR: the web view and its JSON API
	quiet bool
	help  bool
}

func parseServeArgs(args []string) (*serveOptions, error) {
	so := &serveOptions{}
	fs := flag.NewFlagSet("mailexpect sandbox", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&so.sbx.cfg.SMTPAddr, "smtp", "", "")
	fs.StringVar(&so.sbx.cfg.POP3Addr, "pop3", "", "")
	fs.StringVar(&so.sbx.cfg.IMAPAddr, "imap", "", "")
	fs.BoolVar(&so.sbx.cfg.ListenPublic, "listen-public", false, "")
	fs.StringVar(&so.web, "web", "", "")
	so.sbx.register(fs)
	fs.BoolVar(&so.quiet, "q", false, "")
	fs.BoolVar(&so.help, "h", false, "")
	fs.BoolVar(&so.help, "help", false, "")
	if err := fs.Parse(args); err != nil {
		return nil, commandFlagError(err, args, "run 'mailexpect --help' for the sandbox's flags")
	}
	if fs.NArg() > 0 {
		return nil, usageErr("to run a script against the sandbox: mailexpect --sandbox SCRIPT.lua",
			"mailexpect sandbox takes no arguments, got %q", fs.Arg(0))
	}
	for _, a := range []struct{ flag, addr string }{
		{"--smtp", so.sbx.cfg.SMTPAddr}, {"--pop3", so.sbx.cfg.POP3Addr}, {"--imap", so.sbx.cfg.IMAPAddr}, {"--web", so.web},
	} {
		if a.addr != "" && !strings.Contains(a.addr, ":") {
			return nil, usageErr("for example "+a.flag+" 127.0.0.1:2525, or 127.0.0.1:0 for any free port",
				"%s wants host:port, got %q", a.flag, a.addr)
		}
	}
	if so.web != "" {
		if err := checkListen(so.web, so.sbx.cfg.ListenPublic); err != nil {
			var ce *cliError
			if errors.As(err, &ce) {
				ce.msg = strings.Replace(ce.msg, "--listen", "--web", 1)
				ce.hint = "add --listen-public to let other machines read the sandbox's mail"
			}
			return nil, err
		}
	}
	return so, nil
}

// serveSandbox is `mailexpect sandbox`: it starts the server, prints what
// a user needs to reach it, logs events on stderr (unless -q) and serves
// until ctx ends (SIGINT, SIGTERM), then exits 0.
func serveSandbox(ctx context.Context, args []string, quiet bool, stdout, stderr io.Writer) int {
	so, err := parseServeArgs(args)
	if code, done := usageOrHelp(err, so != nil && so.help, usage, stdout, stderr); done {
		return code
	}
	cfg := so.sbx.cfg
	var logMu sync.Mutex
	if !quiet && !so.quiet {
		cfg.Logf = func(format string, args ...any) {
			logMu.Lock()
			defer logMu.Unlock()
			fmt.Fprintf(stderr, "%s %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
		}
	}
	srv, err := sandbox.Start(cfg)
	if err != nil {
		printError(stderr, err)
		return luabind.ExitFailure
	}
	printSandbox(stdout, srv, so.sbx.faults, cfg.ListenPublic)
	var webDone chan int
	if so.web != "" {
		ln, err := net.Listen("tcp", so.web)
		if err != nil {
			srv.Close()
			printError(stderr, fmt.Errorf("--web: %w", err))
			return luabind.ExitFailure
		}
		fmt.Fprintf(stdout, "web view: http://%s/ (JSON API under /api/)\n\n", ln.Addr())
		webDone = make(chan int, 1)
		go func() { webDone <- runHTTP(ctx, ln, srv.WebHandler(cfg.ListenPublic), stderr) }()
	}
	<-ctx.Done()
	if webDone != nil {
		<-webDone
	}
	if err := srv.Close(); err != nil {
		printError(stderr, err)
		return luabind.ExitFailure
	}
	return luabind.ExitOK
}

// printSandbox writes the banner of `mailexpect sandbox`: addresses, CA
// file, demo users, faults and a command line to try.
func printSandbox(w io.Writer, srv *sandbox.Server, faults []string, public bool) {
	users := srv.Users()
	first := users[0]
	fmt.Fprintf(w, "mailexpect sandbox: SMTP, POP3 and IMAP over one in-memory store; Ctrl-C stops it.\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  smtp\t%s\tSTARTTLS; AUTH PLAIN LOGIN CRAM-MD5 after it; delivers to @sandbox.test only\n", srv.SMTPAddr())
	fmt.Fprintf(tw, "  pop3\t%s\tSTLS, APOP, UIDL, TOP; USER/PASS after STLS\n", srv.POP3Addr())
	fmt.Fprintf(tw, "  imap\t%s\tSTARTTLS, UIDPLUS, MOVE; LOGIN after STARTTLS\n", srv.IMAPAddr())
	fmt.Fprintf(tw, "  smtps\t%s\timplicit TLS (smtps://)\n", srv.SMTPSAddr())
	fmt.Fprintf(tw, "  pop3s\t%s\timplicit TLS (pop3s://)\n", srv.POP3SAddr())
	fmt.Fprintf(tw, "  imaps\t%s\timplicit TLS (imaps://)\n", srv.IMAPSAddr())
	fmt.Fprintf(tw, "  lmtp\t%s\tLMTP (lmtp://): LHLO, one reply per recipient, no AUTH\n", srv.LMTPAddr())
	tw.Flush()
	fmt.Fprintf(w, "  ca_file  %s (the generated CA; removed at exit)\n", srv.CAFile())
	if len(faults) > 0 {
		fmt.Fprintf(w, "\nfaults: %s\n", strings.Join(faults, ", "))
	}
	fmt.Fprintf(w, "\ndemo users:\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	const maxShown = 10
	for i, u := range users {
		if i == maxShown && !public { // public: random passwords, all shown
			fmt.Fprintf(tw, "  ...\t(%d users in all: demo1 to demo%d, passwords demoN-pass)\n", len(users), len(users))
			break
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", u.Name, u.Pass, u.Address)
	}
	tw.Flush()
	fmt.Fprintf(w, "\ntry it from another shell:\n\n")
	var env []string
	for _, kv := range srv.Env() {
		name, value, _ := strings.Cut(kv, "=")
		env = append(env, name+"="+shellQuote(value))
	}
	fmt.Fprintf(w, "  export %s\n", strings.Join(env, " \\\n         "))
	fmt.Fprintf(w, "  mailexpect scripts/check.lua --to %s\n\n", first.Address)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
