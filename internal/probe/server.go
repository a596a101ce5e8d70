package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailexpect/mailexpect/internal/httpguard"
	"github.com/mailexpect/mailexpect/internal/promtext"
)

// Defaults of a Server's zero fields.
const (
	DefaultTimeout       = 10 * time.Second // no scrape header and no module timeout
	DefaultMaxConcurrent = 8
	DefaultHistory       = 100
	// TimeoutOffset is taken off the scrape timeout Prometheus announces,
	// so the answer is back before Prometheus gives up (blackbox_exporter
	// uses the same half second).
	TimeoutOffset = 500 * time.Millisecond
)

// Server is the prober: GET /probe?module=NAME&target=T runs the module's
// script and answers in the Prometheus text format. Set the fields, then
// use Handler.
type Server struct {
	Modules []*Module
	Run     RunFunc

	// Public: the listener may be reached from other machines. When
	// false, a request whose Host is not a loopback name is refused
	// (DNS rebinding; httpguard.LoopbackHost).
	Public bool

	MaxConcurrent int // probes running at once; 0: DefaultMaxConcurrent
	History       int // probes kept for the index page; 0: DefaultHistory

	// Logf, when set, gets one line per probe (module, target, result,
	// duration, the masked message) and the prober's own errors.
	Logf func(format string, args ...any)

	once    sync.Once
	byName  map[string]*Module
	slots   chan struct{}
	mu      sync.Mutex
	recent  []*Record // newest last
	nextID  int
	probes  map[[2]string]uint64  // module, result -> probes run
	seconds map[string]*durations // module -> how long its probes took
}

// durationBuckets are the upper bounds of mailexpect_probe_duration_seconds.
var durationBuckets = []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// durations is one module's histogram of probe durations.
type durations struct {
	counts []uint64 // per bucket of durationBuckets, not cumulative
	count  uint64
	sum    float64
}

// Record is one probe as the index page shows it.
type Record struct {
	ID     int
	Module string
	Target string
	Start  time.Time
	Result *Result
}

func (s *Server) init() {
	s.once.Do(func() {
		s.byName = map[string]*Module{}
		for _, m := range s.Modules {
			s.byName[m.Name] = m
		}
		n := s.MaxConcurrent
		if n <= 0 {
			n = DefaultMaxConcurrent
		}
		s.slots = make(chan struct{}, n)
		if s.History <= 0 {
			s.History = DefaultHistory
		}
		s.probes = map[[2]string]uint64{}
		s.seconds = map[string]*durations{}
	})
}

// Handler serves /probe, /metrics, / (modules and recent probes) and
// /probe/log?id=N (one recent probe's masked transcript).
func (s *Server) Handler() http.Handler {
	s.init()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /probe", s.serveProbe)
	mux.Handle("GET /metrics", promtext.Handler(s.metrics))
	mux.HandleFunc("GET /probe/log", s.serveLog)
	mux.HandleFunc("GET /{$}", s.serveIndex)
	if s.Public {
		return mux
	}
	return httpguard.LoopbackHost(mux)
}

func (s *Server) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}

// probeParams are the only query parameters /probe takes: anything else
// is refused, so no one is tempted to put a password in a URL (it would
// land in Prometheus's config, its UI and every proxy log).
var probeParams = map[string]bool{"module": true, "target": true, "debug": true}

// badRequest answers 400 with a one-line reason.
func badRequest(w http.ResponseWriter, format string, args ...any) {
	http.Error(w, fmt.Sprintf(format, args...), http.StatusBadRequest)
}

func (s *Server) serveProbe(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	for k := range q {
		if !probeParams[k] {
			badRequest(w, "unknown parameter %q: /probe takes module, target and debug; secrets belong in the module's environment or secret files, never in a URL", k)
			return
		}
	}
	name := q.Get("module")
	m, ok := s.byName[name]
	if !ok {
		if name == "" {
			badRequest(w, "module parameter is missing; modules: %s", s.moduleNames())
		} else {
			badRequest(w, "unknown module %q; modules: %s", name, s.moduleNames())
		}
		return
	}
	target := q.Get("target")
	if err := checkTarget(target); err != nil {
		badRequest(w, "%v", err)
		return
	}
	debug := false
	if v := q.Get("debug"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			badRequest(w, "debug must be true or false, got %q", v)
			return
		}
		debug = b
	}
	timeout, err := probeTimeout(req.Header, m)
	if err != nil {
		badRequest(w, "%v", err)
		return
	}
	ctx, cancel := context.WithTimeoutCause(req.Context(), timeout,
		fmt.Errorf("probe timeout %s reached", timeout))
	defer cancel()

	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		s.logf("module=%s target=%s: no free slot within %s (%d probes at once)", m.Name, target, timeout, cap(s.slots))
		http.Error(w, fmt.Sprintf("too many probes at once (limit %d): none finished within %s", cap(s.slots), timeout),
			http.StatusServiceUnavailable)
		return
	}
	start := time.Now()
	res := s.Run(ctx, m, target)
	<-s.slots
	if res == nil {
		res = &Result{Message: "the runner returned no result"}
	}
	if res.Duration == 0 {
		res.Duration = time.Since(start)
	}
	s.record(m, target, start, res)

	fams := res.Families()
	if debug {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(debugText(m, target, res, fams))
		return
	}
	promtext.Handler(func() []promtext.Family { return fams }).ServeHTTP(w, req)
}

// checkTarget refuses what a script would misread: nothing at all, a
// leading "-" (the script's options() would take it for a flag such as
// --secret-file) and control characters.
func checkTarget(t string) error {
	switch {
	case t == "":
		return errors.New("target parameter is missing: want host:port or a URL such as smtp://mail.example.com")
	case strings.HasPrefix(t, "-"):
		return fmt.Errorf("target %q starts with '-': a script would read it as a flag", t)
	case strings.IndexFunc(t, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return fmt.Errorf("target %q holds a control character", t)
	}
	return nil
}

// probeTimeout is the time a probe may take: Prometheus's scrape timeout
// (X-Prometheus-Scrape-Timeout-Seconds) less TimeoutOffset, capped by the
// module's timeout; without the header, the module's or DefaultTimeout.
func probeTimeout(h http.Header, m *Module) (time.Duration, error) {
	t := m.Timeout
	if v := h.Get("X-Prometheus-Scrape-Timeout-Seconds"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0) || f > 86400 {
			return 0, fmt.Errorf("X-Prometheus-Scrape-Timeout-Seconds must be a number of seconds > 0, got %q", v)
		}
		scrape := time.Duration(f * float64(time.Second))
		if scrape > 2*TimeoutOffset {
			scrape -= TimeoutOffset
		} else {
			scrape /= 2 // a very short scrape timeout: keep half of it for the answer
		}
		if t == 0 || scrape < t {
			t = scrape
		}
	}
	if t == 0 {
		t = DefaultTimeout
	}
	return t, nil
}

func (s *Server) moduleNames() string {
	var names []string
	for _, m := range s.Modules {
		names = append(names, m.Name)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "(none)"
	}
	return strings.Join(names, ", ")
}

// record counts the probe in /metrics, logs it and keeps it for the index.
func (s *Server) record(m *Module, target string, start time.Time, res *Result) {
	result := "failure"
	if res.Success {
		result = "success"
	}
	s.observe(m.Name, result, res.Duration.Seconds())
	line := fmt.Sprintf("module=%s target=%q result=%s exit=%d duration=%.3fs", m.Name, target,
		result, res.ExitCode, res.Duration.Seconds())
	if !res.Success && res.Message != "" {
		line += " message=" + strconv.Quote(firstLine(res.Message))
	}
	s.logf("%s", line)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.recent = append(s.recent, &Record{ID: s.nextID, Module: m.Name, Target: target, Start: start, Result: res})
	if over := len(s.recent) - s.History; over > 0 {
		s.recent = append(s.recent[:0:0], s.recent[over:]...)
	}
}

// Recent returns the probes kept for the index, newest first.
func (s *Server) Recent() []*Record {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Record, len(s.recent))
	for i, r := range s.recent {
		out[len(out)-1-i] = r
	}
	return out
}

func (s *Server) lookup(id int) *Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.recent {
		if r.ID == id {
			return r
		}
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// debugText is the answer to debug=true, laid out as blackbox_exporter's:
// the transcript, then the metrics that would have been returned, then
// the module.
func debugText(m *Module, target string, res *Result, fams []promtext.Family) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Probe of %s with module %s: %s in %.3fs (exit %d)\n", target, m.Name,
		map[bool]string{true: "success", false: "failure"}[res.Success], res.Duration.Seconds(), res.ExitCode)
	if res.Message != "" {
		fmt.Fprintf(&b, "%s\n", res.Message)
	}
	fmt.Fprintf(&b, "\nTranscript (secrets masked):\n%s", res.Transcript)
	if res.Output != "" {
		fmt.Fprintf(&b, "\nOutput of the script:\n%s", res.Output)
		if !strings.HasSuffix(res.Output, "\n") {
			b.WriteByte('\n')
		}
	}
	fmt.Fprintf(&b, "\nMetrics that would have been returned:\n")
	promtext.Write(&b, fams)
	fmt.Fprintf(&b, "\nModule configuration:\n  script: %s\n  args: %q\n", m.Script, m.Args)
	if m.Timeout > 0 {
		fmt.Fprintf(&b, "  timeout: %s\n", m.Timeout)
	}
	return b.Bytes()
}

// observe counts a probe of module with its result (success, failure) and
// duration in seconds.
func (s *Server) observe(module, result string, secs float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.probes[[2]string{module, result}]++
	d := s.seconds[module]
	if d == nil {
		d = &durations{counts: make([]uint64, len(durationBuckets))}
		s.seconds[module] = d
	}
	if i, _ := slices.BinarySearch(durationBuckets, secs); i < len(durationBuckets) {
		d.counts[i]++ // the first bucket whose bound is >= secs
	}
	d.count++
	d.sum += secs
}

// metrics is the /metrics page: the probes run, their durations, and the
// Go runtime and process metrics every Go exporter shows.
func (s *Server) metrics() []promtext.Family {
	probes := promtext.Family{Name: "mailexpect_probes_total", Help: "Probes run, by module and result (success, failure)", Type: promtext.Counter}
	seconds := promtext.Family{Name: "mailexpect_probe_duration_seconds", Help: "How long probes took, by module", Type: promtext.Histogram}
	s.mu.Lock()
	for k, n := range s.probes {
		probes.Metrics = append(probes.Metrics, promtext.Metric{
			Labels: []promtext.Label{{Name: "module", Value: k[0]}, {Name: "result", Value: k[1]}}, Value: float64(n)})
	}
	for module, d := range s.seconds {
		m := promtext.Metric{Labels: []promtext.Label{{Name: "module", Value: module}}, Count: d.count, Sum: d.sum}
		var cum uint64
		for i, ub := range durationBuckets {
			cum += d.counts[i]
			m.Buckets = append(m.Buckets, promtext.Bucket{UpperBound: ub, Count: cum})
		}
		seconds.Metrics = append(seconds.Metrics, m)
	}
	s.mu.Unlock()
	return slices.Concat([]promtext.Family{probes, seconds}, promtext.GoMetrics(), promtext.ProcessMetrics())
}
