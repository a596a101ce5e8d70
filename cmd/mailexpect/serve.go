package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/mailexpect/mailexpect/internal/probe"
	luabind "github.com/mailexpect/mailexpect/luabind"
	"github.com/mailexpect/mailexpect/runtime/transcript"
	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"
)

// defaultProbeListen is where `mailexpect serve` listens without --listen:
// loopback, so a prober that runs scripts against any target it is asked
// for is not open to the network by accident.
const defaultProbeListen = "127.0.0.1:9917"

// probeOptions are the command line of `mailexpect serve`.
type probeOptions struct {
	listen        string
	listenPublic  bool
	config        string
	maxConcurrent int
	timeout       time.Duration // default expect timeout inside the scripts
	quiet         bool
	help          bool
	modules       []*probe.Module
}

var moduleName = lazyRegexp(`^[A-Za-z0-9_.-]+$`)

// parseProbeArgs reads `mailexpect serve`'s arguments. A --module takes
// NAME=SCRIPT and then the script's arguments up to the next --module or
// a lone "--", after which serve's own flags may follow again:
//
//	serve --listen 127.0.0.1:9917 --module banner=check-banner.lua -w 1 -- -q
func parseProbeArgs(args []string) (*probeOptions, error) {
	po := &probeOptions{listen: defaultProbeListen}
	fs := flag.NewFlagSet("mailexpect serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&po.listen, "listen", defaultProbeListen, "")
	fs.BoolVar(&po.listenPublic, "listen-public", false, "")
	fs.StringVar(&po.config, "config", "", "")
	fs.Func("max-concurrent", "", func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10000 {
			return fmt.Errorf("--max-concurrent wants a number from 1 to 10000, got %q", s)
		}
		po.maxConcurrent = n
		return nil
	})
	fs.Func("timeout", "", durationFlag(&po.timeout))
	fs.BoolVar(&po.quiet, "q", false, "")
	fs.BoolVar(&po.help, "h", false, "")
	fs.BoolVar(&po.help, "help", false, "")

	// Cut the command line into serve's flags and --module groups.
	var own []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a != "--module" && a != "-module" && !strings.HasPrefix(a, "--module=") {
			own = append(own, a)
			continue
		}
		spec := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-module=")
		if a == "--module" || a == "-module" {
			if i+1 >= len(args) {
				return nil, usageErr("for example --module banner=scripts/check-banner.lua -w 1", "--module needs NAME=SCRIPT")
			}
			i++
			spec = args[i]
		}
		name, script, ok := strings.Cut(spec, "=")
		if !ok || !moduleName().MatchString(name) || script == "" {
			return nil, usageErr("for example --module banner=scripts/check-banner.lua -w 1",
				"--module wants NAME=SCRIPT (NAME of letters, digits, _ . -), got %q", spec)
		}
		m := &probe.Module{Name: name, Script: script}
		for i+1 < len(args) && args[i+1] != "--module" && args[i+1] != "-module" && !strings.HasPrefix(args[i+1], "--module=") {
			i++
			if args[i] == "--" {
				break
			}
			m.Args = append(m.Args, args[i])
		}
		po.modules = append(po.modules, m)
	}
	if err := fs.Parse(own); err != nil {
		return nil, commandFlagError(err, own, "run 'mailexpect serve --help' for its flags; a module's own flags go after --module NAME=SCRIPT")
	}
	if po.help {
		return po, nil
	}
	if fs.NArg() > 0 {
		return nil, usageErr("modules are given as --module NAME=SCRIPT [ARGS...] or in --config FILE",
			"mailexpect serve takes no arguments, got %q", fs.Arg(0))
	}
	if po.config != "" {
		mods, err := readProbeConfig(po.config)
		if err != nil {
			return nil, err
		}
		po.modules = append(po.modules, mods...)
	}
	if len(po.modules) == 0 {
		return nil, usageErr("for example: mailexpect serve --module banner=scripts/check-banner.lua",
			"mailexpect serve needs at least one --module NAME=SCRIPT or a --config FILE")
	}
	seen := map[string]bool{}
	for _, m := range po.modules {
		if seen[m.Name] {
			return nil, usageErr("", "module %q is defined twice", m.Name)
		}
		seen[m.Name] = true
	}
	if err := checkListen(po.listen, po.listenPublic); err != nil {
		return nil, err
	}
	return po, nil
}

// checkListen refuses a non-loopback address without --listen-public.
func checkListen(addr string, public bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usageErr("for example --listen 127.0.0.1:9917", "--listen wants host:port, got %q", addr)
	}
	if public {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return usageErr("add --listen-public to listen beyond this machine (anyone who reaches the port can make it connect to any target)",
		"--listen %s is not a loopback address", addr)
}

// probeConfigFile is --config FILE:
//
//	modules:
//	  banner:
//	    script: scripts/check-banner.lua
//	    args: ["-w", "1"]
//	    timeout: 5s
type probeConfigFile struct {
	Modules map[string]struct {
		Script  string   `yaml:"script"`
		Args    []string `yaml:"args"`
		Timeout string   `yaml:"timeout"`
	} `yaml:"modules"`
}

// readProbeConfig reads the modules of a --config file. Script paths are
// relative to the file's directory, as in Prometheus's own config.
func readProbeConfig(path string) ([]*probe.Module, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErr("", "--config: %v", unwrapPath(err))
	}
	var cf probeConfigFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cf); err != nil && !errors.Is(err, io.EOF) {
		return nil, usageErr("want modules: {NAME: {script: FILE, args: [...], timeout: 10s}}", "--config %s: %s", path, yamlError(err))
	}
	if len(cf.Modules) == 0 {
		return nil, usageErr("want modules: {NAME: {script: FILE, args: [...], timeout: 10s}}", "--config %s: no modules", path)
	}
	names := make([]string, 0, len(cf.Modules))
	for name := range cf.Modules {
		names = append(names, name)
	}
	sort.Strings(names)
	var mods []*probe.Module
	for _, name := range names {
		c := cf.Modules[name]
		if !moduleName().MatchString(name) {
			return nil, usageErr("", "--config %s: module name %q: use letters, digits, _ . -", path, name)
		}
		if c.Script == "" {
			return nil, usageErr("", "--config %s: module %s has no script", path, name)
		}
		script := c.Script
		if !filepath.IsAbs(script) {
			script = filepath.Join(filepath.Dir(path), script)
		}
		m := &probe.Module{Name: name, Script: script, Args: c.Args}
		if c.Timeout != "" {
			d, err := parseSeconds(c.Timeout)
			if err != nil {
				return nil, usageErr("", "--config %s: module %s: timeout: %v", path, name, err)
			}
			m.Timeout = d
		}
		mods = append(mods, m)
	}
	return mods, nil
}

var yamlUnknownField = lazyRegexp(`field (\S+) not found in type \S+( \{.*\})?`)

// yamlError makes the YAML decoder's message one line without Go type
// names: "line 4: unknown key tmeout".
func yamlError(err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err.Error()
	}
	var msgs []string
	for _, e := range te.Errors {
		msgs = append(msgs, yamlUnknownField().ReplaceAllString(e, "unknown key $1"))
	}
	return strings.Join(msgs, "; ")
}

// parseSeconds reads "10s", "1m30s" or a plain number of seconds.
func parseSeconds(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if !(f > 0) || f > 86400 {
			return 0, fmt.Errorf("want seconds > 0, got %q", s)
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want a duration such as 10s or 1m, got %q", s)
	}
	return d, nil
}

// prober runs the modules' scripts, each compiled once, in a fresh Lua
// state per probe.
type prober struct {
	protos  map[string]*lua.FunctionProto
	timeout time.Duration
}

func newProber(po *probeOptions) (*prober, error) {
	p := &prober{protos: map[string]*lua.FunctionProto{}, timeout: po.timeout}
	for _, m := range po.modules {
		src, err := os.ReadFile(m.Script)
		if err != nil {
			return nil, usageErr("", "module %s: cannot read script: %v", m.Name, unwrapPath(err))
		}
		proto, err := luabind.Compile(m.Script, src)
		if err != nil {
			return nil, fmt.Errorf("module %s: %w", m.Name, err)
		}
		p.protos[m.Name] = proto
	}
	return p, nil
}

// maxProbeOutput bounds what a probe keeps of its transcript and output.
const maxProbeOutput = 256 << 10

// run is the probe.RunFunc: the target is arg[1], the module's arguments
// follow; the transcript goes to a buffer of the probe's own, masked.
func (p *prober) run(ctx context.Context, m *probe.Module, target string) *probe.Result {
	out := &limitedBuffer{max: maxProbeOutput}
	tr := &limitedBuffer{max: maxProbeOutput}
	secrets := transcript.NewSecrets()
	cfg := luabind.Config{
		Stdout:     out,
		Stderr:     out,
		Transcript: transcript.New(tr, transcript.Text, secrets),
		Secrets:    secrets,
		Timeout:    p.timeout,
		ScriptName: m.Script,
		Args:       append([]string{target}, m.Args...),
	}
	var c collector
	c.hook(&cfg)
	start := time.Now()
	code, err := luabind.NewRunner(cfg).Run(ctx, p.protos[m.Name])
	res := c.result(code, err, time.Since(start))
	res.Transcript, res.Output = tr.String(), out.String()
	return res
}

// serveProbes is `mailexpect serve`: the Prometheus prober, until ctx ends.
func serveProbes(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	po, err := parseProbeArgs(args)
	if code, done := usageOrHelp(err, po != nil && po.help, usage, stdout, stderr); done {
		return code
	}
	p, err := newProber(po)
	if err != nil {
		printError(stderr, err)
		return luabind.ExitUsage
	}
	ln, err := net.Listen("tcp", po.listen)
	if err != nil {
		printError(stderr, err)
		return luabind.ExitFailure
	}
	srv := newProbeServer(po, p, stderr)
	fmt.Fprintf(stdout, "mailexpect serve: listening on http://%s/ (modules: %s); Ctrl-C stops it.\n",
		ln.Addr(), moduleList(po.modules))
	return runHTTP(ctx, ln, srv.Handler(), stderr)
}

// newProbeServer is the prober's HTTP side: log lines on stderr unless -q.
func newProbeServer(po *probeOptions, p *prober, stderr io.Writer) *probe.Server {
	srv := &probe.Server{Modules: po.modules, Run: p.run, MaxConcurrent: po.maxConcurrent, Public: po.listenPublic}
	if !po.quiet {
		lw := &lockedWriter{w: stderr}
		srv.Logf = func(format string, args ...any) {
			fmt.Fprintf(lw, "%s %s\n", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), fmt.Sprintf(format, args...))
		}
	}
	return srv
}

func moduleList(mods []*probe.Module) string {
	var names []string
	for _, m := range mods {
		names = append(names, m.Name)
	}
	return strings.Join(names, ", ")
}

// runHTTP serves h on ln until ctx ends, then shuts down gracefully
// (running probes get a few seconds) and returns the exit code.
func runHTTP(ctx context.Context, ln net.Listener, h http.Handler, stderr io.Writer) int {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		printError(stderr, err)
		return luabind.ExitFailure
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hs.Shutdown(sctx)
	return luabind.ExitOK
}
