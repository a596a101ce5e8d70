// Package runner is the benchmark of issue 10: it starts the load server,
// runs every (workload, client) cell several times as a separate process,
// measures wall time, CPU (user+sys) and peak RSS from wait4, checks with
// the server's counters (and the client's output) that the work was really
// done, and renders a markdown table with ratios against the hand-written
// Go client. `go run ./bench/run` is its command line; bench_test.go runs
// the quick mode.
package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/mailexpect/mailexpect/bench/loadserver"
)

// Options configure a benchmark run.
type Options struct {
	Quick       bool          // tiny sizes, 1 repetition, tools not installed are skipped
	Params      *Params       // nil: FullParams or QuickParams
	Reps        int           // repetitions per cell; 0: 5 (quick: 1)
	Cap         time.Duration // time cap of one run; 0: 120 s (quick: 30 s)
	Only        []string      // workloads to run ("W1", "W5", "W5-16MiB"); empty: all
	Clients     []string      // clients to run; empty: all
	Install     bool          // apt-get install what is missing (expect, python3-pexpect, curl)
	Root        string        // repository root; "": found from the working directory
	BinDir      string        // holds prebuilt mailexpect and goclient; "": built into a temp dir
	StartupReps int           // runs of `mailexpect -e ''`; 0: 20 (quick: 3)
	Log         io.Writer     // progress lines; nil: discarded
}

// Cell is the measurements of one (workload, client).
type Cell struct {
	W, Group, Client string
	Size             int    // W5: bytes of lines
	Lossy            string // a known data loss of this client: failed checks are expected
	Runs             []Sample
	Skip             string // why the cell did not run (tool missing, over the cap at a smaller size)
}

// OK reports whether every run finished and passed its checks.
func (c *Cell) OK() bool {
	if c.Skip != "" || len(c.Runs) == 0 {
		return false
	}
	for _, r := range c.Runs {
		if r.Err != nil {
			return false
		}
	}
	return true
}

// good returns the runs that passed.
func (c *Cell) good() []Sample {
	var out []Sample
	for _, r := range c.Runs {
		if r.Err == nil {
			out = append(out, r)
		}
	}
	return out
}

// finished returns the runs whose process exited 0 in time, whether or
// not the checks passed.
func (c *Cell) finished() []Sample {
	var out []Sample
	for _, r := range c.Runs {
		if r.Exited {
			out = append(out, r)
		}
	}
	return out
}

// measured returns the runs the medians are taken over: those that
// passed, or when none did, those that finished (a client that lost data
// still gets its time shown, next to the failure).
func (c *Cell) measured() []Sample {
	if g := c.good(); len(g) > 0 {
		return g
	}
	return c.finished()
}

// Wall, CPU and RSS are medians over the measured runs.
func (c *Cell) Wall() time.Duration {
	return medianDur(field(c.measured(), func(r Sample) int64 { return int64(r.Wall) }))
}
func (c *Cell) CPU() time.Duration {
	return medianDur(field(c.measured(), func(r Sample) int64 { return int64(r.CPU) }))
}
func (c *Cell) RSS() int64 {
	var out []int64
	for _, r := range c.measured() {
		out = append(out, r.MaxRSS)
	}
	return medianInt(out)
}

func field(rs []Sample, f func(Sample) int64) []time.Duration {
	out := make([]time.Duration, len(rs))
	for i, r := range rs {
		out[i] = time.Duration(f(r))
	}
	return out
}

// Startup is the start-up time of one command.
type Startup struct {
	Name string
	Argv []string
	Runs []Sample
	RSS  int64 // peak RSS through GNU time; 0 when not installed
}

// Report is the outcome of a benchmark run.
type Report struct {
	Date     time.Time
	Quick    bool
	Machine  []string
	Versions []string
	Params   Params
	Reps     int
	Cap      time.Duration
	Cells    []*Cell
	Startup  []*Startup
	RSSFloor bool // GNU time missing: RSS includes the runner's
	Notes    []string
}

// Failures lists the cells that ran and failed, one line each (not the
// known data loss of a Lossy client).
func (r *Report) Failures() []string {
	var out []string
	for _, c := range r.Cells {
		if c.Skip != "" || c.Lossy != "" {
			continue
		}
		for i, run := range c.Runs {
			if run.Err != nil {
				out = append(out, fmt.Sprintf("%s %s run %d: %v", c.W, c.Client, i+1, run.Err))
			}
		}
	}
	return out
}

// env is what the specs need while running.
type env struct {
	o       Options
	p       Params
	srv     *loadserver.Server
	root    string
	tmp     string
	bin     map[string]string // tool -> path: mailexpect, goclient, python, expect
	have    map[string]string // tool -> "" when usable, else why not
	msg     []byte            // W4 message
	msgFile string
	cur     *spec
	log     io.Writer
}

func (e *env) client(name string) string { return filepath.Join(e.root, "bench", "clients", name) }

func (e *env) logf(format string, args ...any) { fmt.Fprintf(e.log, format+"\n", args...) }

// Run runs the benchmark.
func Run(ctx context.Context, o Options) (*Report, error) {
	e := &env{o: o, bin: map[string]string{}, have: map[string]string{}, log: o.Log}
	if e.log == nil {
		e.log = io.Discard
	}
	switch {
	case o.Params != nil:
		e.p = *o.Params
	case o.Quick:
		e.p = QuickParams()
	default:
		e.p = FullParams()
	}
	if o.Reps <= 0 {
		o.Reps = 5
		if o.Quick {
			o.Reps = 1
		}
	}
	if o.Cap <= 0 {
		o.Cap = 120 * time.Second
		if o.Quick {
			o.Cap = 30 * time.Second
		}
	}
	if o.StartupReps <= 0 {
		o.StartupReps = 20
		if o.Quick {
			o.StartupReps = 3
		}
	}
	e.o = o
	root, err := findRoot(o.Root)
	if err != nil {
		return nil, err
	}
	e.root = root
	tmp, err := os.MkdirTemp("", "mailexpect-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	e.tmp = tmp

	if err := e.binaries(ctx); err != nil {
		return nil, err
	}
	e.tools(ctx)

	e.logf("starting the load server (W1 message %s)", size(e.p.BigSize))
	srv, err := loadserver.Start(loadserver.Config{BigSize: e.p.BigSize, Boxes: e.p.Boxes, PerBox: e.p.PerBox})
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	e.srv = srv
	for _, sz := range e.p.LineSizes {
		srv.PrepareLines(sz)
	}
	e.msg = smtpMessage(e.p.MsgSize)
	e.msgFile = filepath.Join(tmp, "w4-message.eml")
	if err := os.WriteFile(e.msgFile, e.msg, 0o644); err != nil {
		return nil, err
	}

	rep := &Report{Date: time.Now(), Quick: o.Quick, Params: e.p, Reps: o.Reps, Cap: o.Cap,
		Machine: machine(), Versions: e.versions(ctx)}

	// The cells, grouped by workload in table order.
	var order []string
	byW := map[string][]*spec{}
	all := specs(e.p)
	for i := range all {
		s := &all[i]
		if !selected(o.Only, s.w, s.group) || len(o.Clients) > 0 && !slices.Contains(o.Clients, s.client) {
			continue
		}
		if _, ok := byW[s.w]; !ok {
			order = append(order, s.w)
		}
		byW[s.w] = append(byW[s.w], s)
	}
	overCap := map[string]string{} // group/client -> workload where it went over the cap
	for _, w := range order {
		cells := make([]*Cell, len(byW[w]))
		for i, s := range byW[w] {
			c := &Cell{W: s.w, Group: s.group, Client: s.client, Size: s.size, Lossy: s.lossy}
			if why := e.have[s.tool]; why != "" {
				c.Skip = why
			} else if at := overCap[s.group+"/"+s.client]; at != "" {
				c.Skip = "not run: over the " + fmtDur(o.Cap) + " cap at " + at
			}
			cells[i] = c
			rep.Cells = append(rep.Cells, c)
		}
		for rn := 0; rn < o.Reps; rn++ {
			for i, s := range byW[w] {
				c := cells[i]
				if c.Skip != "" || len(c.Runs) > 0 && c.Runs[len(c.Runs)-1].TimedOut {
					continue
				}
				// A cell whose first run took over a quarter of the cap
				// (pexpect's and Tcl's quadratic cases) runs once more
				// at most: the point is made, and the bench stays short.
				if len(c.Runs) >= 2 && c.Runs[0].Wall > o.Cap/4 {
					continue
				}
				if err := ctx.Err(); err != nil {
					return rep, err
				}
				e.cur = s
				r := e.runOnce(ctx, s, rn)
				c.Runs = append(c.Runs, r)
				status := "ok"
				if r.Err != nil {
					status = "FAILED: " + r.Err.Error()
				}
				e.logf("%-9s %-15s run %d/%d  wall %-9s cpu %-9s rss %-9s %s", s.w, s.client, rn+1, o.Reps,
					fmtDur(r.Wall), fmtDur(r.CPU), fmtRSS(r.MaxRSS), status)
				if r.TimedOut {
					overCap[s.group+"/"+s.client] = s.w
				}
			}
		}
	}
	rep.RSSFloor = gnuTime == ""
	if len(o.Clients) == 0 || slices.Contains(o.Clients, "mx-raw") || slices.Contains(o.Clients, "mx-mod") {
		rep.Startup = e.startup(ctx)
	}
	return rep, nil
}

// selected reports whether workload w (of group g) is in only.
func selected(only []string, w, g string) bool {
	if len(only) == 0 {
		return true
	}
	for _, x := range only {
		if strings.EqualFold(x, w) || strings.EqualFold(x, g) {
			return true
		}
	}
	return false
}

// runOnce runs one cell once: argv (untimed preparation), the measured
// process, then the checks against the counters and the output.
func (e *env) runOnce(ctx context.Context, s *spec, rn int) Sample {
	out := filepath.Join(e.tmp, fmt.Sprintf("%s-%s.out", s.w, s.client))
	os.Remove(out)
	defer os.Remove(out)
	argv, err := s.argv(e, out)
	if err != nil {
		return Sample{Err: err}
	}
	runtime.GC()
	debug.FreeOSMemory()
	before := e.srv.Snapshot()
	r, stdout, stderr := measure(ctx, argv, e.tmp, nil, e.o.Cap)
	// Let the server finish the connections' last commands (QUIT after
	// the client exits, counted on the server's goroutines).
	var c loadserver.Counters
	for i := 0; i < 100; i++ {
		c = e.srv.Snapshot().Sub(before)
		if s.check(e, out, stdout, c) == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r.Err != nil {
		msg := strings.TrimSpace(stderr)
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		if msg != "" {
			r.Err = fmt.Errorf("%v: %s", r.Err, msg)
		}
		return r
	}
	if err := s.check(e, out, stdout, c); err != nil {
		r.Err = err
	}
	return r
}

// binaries builds mailexpect and goclient, or takes them from BinDir.
func (e *env) binaries(ctx context.Context) error {
	dir := e.o.BinDir
	if dir == "" {
		dir = filepath.Join(e.tmp, "bin")
		e.logf("building mailexpect and goclient")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", dir+"/", "./cmd/mailexpect", "./bench/goclient")
		cmd.Dir = e.root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	for _, name := range []string{"mailexpect", "goclient"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		e.bin[name] = p
	}
	return nil
}

// tools finds Python, pexpect, Tcl Expect and curl, installing the Debian
// packages when asked, and probes whether mailexpect has --each.
func (e *env) tools(ctx context.Context) {
	missing := e.findTools(ctx)
	if len(missing) > 0 && e.o.Install {
		e.logf("installing %s", strings.Join(missing, " "))
		apt := func(args ...string) error {
			if os.Geteuid() != 0 {
				args = append([]string{"sudo"}, args...)
			}
			cmd := exec.CommandContext(ctx, args[0], args[1:]...)
			cmd.Stdout, cmd.Stderr = e.log, e.log
			return cmd.Run()
		}
		install := append([]string{"apt-get", "install", "-y", "--no-install-recommends"}, missing...)
		if err := apt(install...); err != nil {
			e.logf("apt-get install failed (%v); running apt-get update first", err)
			apt("apt-get", "update")
			apt(install...)
		}
		e.findTools(ctx)
		gnuTime = findGNUTime()
	}
	e.have["goclient"], e.have["mailexpect"] = "", ""
	e.have["each"] = e.probeEach(ctx)
}

// findTools fills e.have and e.bin and returns the Debian packages missing.
func (e *env) findTools(ctx context.Context) []string {
	var missing []string
	py := "/usr/bin/python3" // Debian's, where python3-pexpect installs
	if _, err := os.Stat(py); err != nil {
		py, _ = exec.LookPath("python3")
	}
	if py == "" {
		e.have["python"], e.have["pexpect"] = "not installed: python3", "not installed: python3"
		missing = append(missing, "python3", "python3-pexpect")
	} else {
		e.bin["python"], e.have["python"] = py, ""
		if exec.CommandContext(ctx, py, "-c", "import pexpect").Run() != nil {
			e.have["pexpect"] = "not installed: python3-pexpect (run with -install)"
			missing = append(missing, "python3-pexpect")
		} else {
			e.have["pexpect"] = ""
		}
	}
	if gnuTime == "" {
		missing = append(missing, "time")
	}
	for tool, pkg := range map[string]string{"expect": "expect", "curl": "curl"} {
		if p, err := exec.LookPath(tool); err == nil {
			e.bin[tool], e.have[tool] = p, ""
		} else {
			e.have[tool] = "not installed: " + pkg + " (run with -install)"
			missing = append(missing, pkg)
		}
	}
	return missing
}

// probeEach returns "" when `mailexpect --each` works.
func (e *env) probeEach(ctx context.Context) string {
	rows := filepath.Join(e.tmp, "probe.csv")
	script := filepath.Join(e.tmp, "probe.lua")
	os.WriteFile(rows, []byte("user\nprobe-a\nprobe-b\n"), 0o644)
	os.WriteFile(script, []byte(`print("row=" .. row.user)`), 0o644)
	out, err := exec.CommandContext(ctx, e.bin["mailexpect"], "-q", "--each", rows, "--jobs", "1", script).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("row=probe-b")) {
		return "not available: this mailexpect has no working --each yet"
	}
	return ""
}

// startup measures `mailexpect -e ”` and, for scale, the other clients'
// empty start.
func (e *env) startup(ctx context.Context) []*Startup {
	list := []*Startup{
		{Name: "mailexpect -e ''", Argv: []string{e.bin["mailexpect"], "-e", ""}},
		{Name: "goclient (empty run)", Argv: []string{e.bin["goclient"], "-w", "start"}},
	}
	if e.have["python"] == "" {
		list = append(list, &Startup{Name: "python3 -c ''", Argv: []string{e.bin["python"], "-c", ""}})
	}
	if e.have["expect"] == "" {
		list = append(list, &Startup{Name: "expect -c exit", Argv: []string{e.bin["expect"], "-c", "exit"}})
	}
	for _, s := range list {
		// Timed directly (GNU time would add its own exec); one more run
		// through GNU time gives the peak RSS.
		for i := 0; i < e.o.StartupReps; i++ {
			r, _, _ := measureWith(ctx, s.Argv, e.tmp, nil, 10*time.Second, "")
			s.Runs = append(s.Runs, r)
		}
		if gnuTime != "" {
			r, _, _ := measure(ctx, s.Argv, e.tmp, nil, 10*time.Second)
			s.RSS = r.MaxRSS
		}
		ws := field(s.Runs, func(r Sample) int64 { return int64(r.Wall) })
		e.logf("startup %-22s median %s", s.Name, fmtDur(medianDur(ws)))
	}
	return list
}

// findRoot returns the directory holding go.mod, from dir or the working
// directory upwards.
func findRoot(dir string) (string, error) {
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		dir = wd
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "bench", "clients")); err == nil {
				return d, nil
			}
		}
		if filepath.Dir(d) == d {
			return "", errors.New("cannot find the repository root (go.mod with bench/clients) above " + dir)
		}
	}
}

// machine describes the host.
func machine() []string {
	out := []string{fmt.Sprintf("%d CPUs (runtime.NumCPU)", runtime.NumCPU())}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				out = append(out, "CPU: "+strings.TrimSpace(v))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		l, _, _ := strings.Cut(string(b), "\n")
		out = append(out, strings.Join(strings.Fields(l), " "))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		out = append(out, "Linux "+strings.TrimSpace(string(b)))
	}
	return out
}

// versions lists the versions of everything measured.
func (e *env) versions(ctx context.Context) []string {
	first := func(argv ...string) string {
		out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
		if err != nil && len(out) == 0 {
			return "?"
		}
		l, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		return l
	}
	rev := "?"
	if out, err := exec.CommandContext(ctx, "git", "-C", e.root, "rev-parse", "--short", "HEAD").Output(); err == nil {
		rev = strings.TrimSpace(string(out))
		if st, err := exec.CommandContext(ctx, "git", "-C", e.root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
			rev += " + uncommitted changes"
		}
	}
	v := []string{
		first(e.bin["mailexpect"], "--version") + " at " + rev + " (built with " + runtime.Version() + ")",
		"goclient built with " + runtime.Version(),
	}
	if out, err := exec.CommandContext(ctx, "go", "version", "-m", e.bin["mailexpect"]).Output(); err == nil {
		for _, l := range strings.Split(string(out), "\n") {
			if f := strings.Fields(l); len(f) >= 3 && f[0] == "dep" && f[1] == "github.com/mailexpect/mailexpect/third_party/gopher-lua" {
				v = append(v, "gopher-lua "+f[2])
			}
		}
	}
	if e.have["python"] == "" {
		v = append(v, e.bin["python"]+": "+first(e.bin["python"], "--version"))
	}
	if e.have["pexpect"] == "" {
		v = append(v, "pexpect "+first(e.bin["python"], "-c", "import pexpect; print(pexpect.__version__)"))
	}
	if e.have["expect"] == "" {
		v = append(v, first(e.bin["expect"], "-v")+", Tcl "+first(e.bin["expect"], "-c", "puts [info patchlevel]"))
	}
	if e.have["curl"] == "" {
		v = append(v, first(e.bin["curl"], "--version"))
	}
	return v
}
