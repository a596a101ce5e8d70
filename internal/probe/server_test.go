package probe

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/promtext"
	"github.com/mailexpect/mailexpect/internal/testutil"
)

func get(t *testing.T, h http.Handler, target string, header ...string) (int, string, http.Header) {
	t.Helper()
	req := httptest.NewRequest("GET", target, nil)
	req.Host = "127.0.0.1:9917"
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
		}
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(b), rec.Result().Header
}

func match(t *testing.T, body string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if !regexp.MustCompile(p).MatchString(body) {
			t.Errorf("no match for %s in:\n%s", p, body)
		}
	}
}

// TestProbeMetrics: a Result in the Prometheus text format, with
// blackbox_exporter's names for the TLS facts.
func TestProbeMetrics(t *testing.T) {
	expiry := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	s := &Server{
		Modules: []*Module{{Name: "m", Script: "m.lua"}},
		Run: func(ctx context.Context, m *Module, target string) *Result {
			return &Result{
				Success: true, Duration: 1500 * time.Millisecond,
				Metrics: []Metric{{Name: "time", Unit: "s", Value: 0.25}, {Name: "bad\xffname", Value: 1}},
				Steps:   []Step{{Name: "smtp_connect", Seconds: 0.001}, {Name: "smtp_banner", Seconds: 0.002}},
				TLS: []TLS{{Version: "TLS 1.3", EarliestExpiry: expiry.Add(time.Hour)},
					{Version: "TLS 1.2", EarliestExpiry: expiry}},
			}
		},
	}
	code, body, h := get(t, s.Handler(), "/probe?module=m&target=mx.example.com:25")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Fatalf("%d %q", code, h.Get("Content-Type"))
	}
	match(t, body,
		`(?m)^probe_success 1$`, `(?m)^probe_duration_seconds 1\.5$`, `(?m)^probe_exit_code 0$`,
		`(?m)^probe_check_metric\{name="time",uom="s"\} 0\.25$`,
		`(?m)^probe_check_metric\{name="bad\x{FFFD}name",uom=""\} 1$`,
		`(?m)^probe_step_duration_seconds\{step="smtp_banner"\} 0\.002$`,
		`(?m)^probe_ssl_earliest_cert_expiry `+regexp.QuoteMeta(strconv.FormatFloat(float64(expiry.Unix()), 'g', -1, 64))+`$`,
		`(?m)^probe_tls_version_info\{version="TLS 1\.2"\} 1$`, `(?m)^probe_tls_version_info\{version="TLS 1\.3"\} 1$`)
}

// TestProbeMetricsOnce: a label set met twice (two sessions with the
// same TLS version, a step timed twice, two names that are the same once
// made valid UTF-8) is one sample, the last value, as the official
// client's Set gave it: a duplicate series is dropped by Prometheus and
// by node_exporter's textfile collector.
func TestProbeMetricsOnce(t *testing.T) {
	res := &Result{
		Success: true,
		Metrics: []Metric{{Name: "a\xff", Value: 1}, {Name: "a\xfe", Value: 2}},
		Steps:   []Step{{Name: "smtp_banner", Seconds: 0.1}, {Name: "smtp_banner", Seconds: 0.2}},
		TLS:     []TLS{{Version: "TLS 1.3"}, {Version: "TLS 1.3"}},
	}
	var b strings.Builder
	if err := promtext.Write(&b, res.Families(promtext.Label{Name: "script", Value: "x.lua"})); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		series := line[:strings.LastIndexByte(line, ' ')]
		if seen[series] {
			t.Errorf("%s written twice in:\n%s", series, b.String())
		}
		seen[series] = true
	}
	match(t, b.String(), `(?m)^probe_step_duration_seconds\{script="x\.lua",step="smtp_banner"\} 0\.2$`,
		`(?m)^probe_check_metric\{name="a\x{FFFD}",script="x\.lua",uom=""\} 2$`)
}

// TestProbeFailureNoTLS: a failed target is HTTP 200 with probe_success 0,
// and without TLS no TLS metric appears (not a zero expiry).
func TestProbeFailureNoTLS(t *testing.T) {
	s := &Server{
		Modules: []*Module{{Name: "m"}},
		Run: func(ctx context.Context, m *Module, target string) *Result {
			return &Result{ExitCode: 2, Message: "SMTP CRITICAL - refused"}
		},
	}
	code, body, _ := get(t, s.Handler(), "/probe?module=m&target=x")
	if code != 200 {
		t.Errorf("HTTP %d", code)
	}
	match(t, body, `(?m)^probe_success 0$`, `(?m)^probe_exit_code 2$`)
	if strings.Contains(body, "probe_ssl") || strings.Contains(body, "probe_tls") || strings.Contains(body, "probe_check_metric") {
		t.Errorf("metrics of things that did not happen:\n%s", body)
	}
}

// TestProbeTimeout: the scrape timeout header, less the offset and capped
// by the module's timeout, is the run's deadline.
func TestProbeTimeout(t *testing.T) {
	tests := []struct {
		header string
		module time.Duration
		want   time.Duration
	}{
		{"", 0, DefaultTimeout},
		{"", 3 * time.Second, 3 * time.Second},
		{"10", 0, 9500 * time.Millisecond},
		{"10", 3 * time.Second, 3 * time.Second},
		{"2.5", 30 * time.Second, 2 * time.Second},
		{"0.8", 0, 400 * time.Millisecond},
	}
	for _, tt := range tests {
		var got time.Duration
		s := &Server{
			Modules: []*Module{{Name: "m", Timeout: tt.module}},
			Run: func(ctx context.Context, m *Module, target string) *Result {
				d, _ := ctx.Deadline()
				got = time.Until(d)
				return &Result{}
			},
		}
		var h []string
		if tt.header != "" {
			h = []string{"X-Prometheus-Scrape-Timeout-Seconds", tt.header}
		}
		get(t, s.Handler(), "/probe?module=m&target=x", h...)
		if got > tt.want || got < tt.want-100*time.Millisecond {
			t.Errorf("header %q module %v: deadline in %v, want %v", tt.header, tt.module, got, tt.want)
		}
	}
	s := &Server{Modules: []*Module{{Name: "m"}}, Run: func(context.Context, *Module, string) *Result { return &Result{} }}
	code, body, _ := get(t, s.Handler(), "/probe?module=m&target=x", "X-Prometheus-Scrape-Timeout-Seconds", "soon")
	if code != 400 || !strings.Contains(body, `X-Prometheus-Scrape-Timeout-Seconds must be a number of seconds > 0, got "soon"`) {
		t.Errorf("%d %q", code, body)
	}
}

// TestProbeConcurrency: no more than MaxConcurrent runs at once; a probe
// that finds no slot before its deadline gets 503, not a made-up failure
// of the target.
func TestProbeConcurrency(t *testing.T) {
	var g testutil.Gauge
	release := make(chan struct{})
	s := &Server{
		Modules:       []*Module{{Name: "m", Timeout: 300 * time.Millisecond}},
		MaxConcurrent: 2,
		Run: func(ctx context.Context, m *Module, target string) *Result {
			g.Enter()
			defer g.Leave()
			<-release // a slow target: holds its slot past the others' deadline
			return &Result{Success: true}
		},
	}
	h := s.Handler()
	codes := make(chan int, 3)
	for range 3 {
		go func() {
			code, _, _ := get(t, h, "/probe?module=m&target=x")
			codes <- code
		}()
	}
	got := []int{<-codes} // the one without a slot gives up first
	close(release)
	got = append(got, <-codes, <-codes)
	n503 := 0
	for _, c := range got {
		if c == 503 {
			n503++
		}
	}
	if g.Peak() != 2 || n503 != 1 {
		t.Errorf("peak %d running, codes %v: want 2 at once and one 503", g.Peak(), got)
	}
}

// TestProbeIndex: the index lists modules and recent probes with links to
// their transcripts; the pages may load and run nothing.
func TestProbeIndex(t *testing.T) {
	s := &Server{
		Modules: []*Module{{Name: "banner", Script: "check-banner.lua", Args: []string{"-w", "1"}}},
		History: 2,
		Run: func(ctx context.Context, m *Module, target string) *Result {
			return &Result{Success: target == "good", Duration: 42 * time.Millisecond,
				Message: "<b>" + target + "</b>", Transcript: "smtp >>> EHLO <script>x</script>\n"}
		},
	}
	h := s.Handler()
	for _, target := range []string{"good", "bad", "third"} {
		get(t, h, "/probe?module=banner&target="+target)
	}
	code, body, hdr := get(t, h, "/")
	if code != 200 || !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("%d, CSP %q", code, hdr.Get("Content-Security-Policy"))
	}
	match(t, body, `<td>banner</td><td><code>check-banner.lua</code></td><td><code>-w 1 </code>`,
		`<code>third</code>[^\n]*\n<td><span class="fail">failure</span></td>\s*<td>0\.042s</td><td>&lt;b&gt;third&lt;/b&gt;</td><td><a href="/probe/log\?id=3">`,
		`<code>bad</code>`)
	if strings.Contains(body, "<code>good</code>") {
		t.Errorf("History 2 keeps only the last two probes:\n%s", body)
	}
	code, body, _ = get(t, h, "/probe/log?id=3")
	if code != 200 {
		t.Fatalf("log page %d", code)
	}
	match(t, body, `EHLO &lt;script&gt;x&lt;/script&gt;`)
	if code, _, _ := get(t, h, "/probe/log?id=1"); code != 404 {
		t.Errorf("a forgotten probe: %d, want 404", code)
	}
	if code, _, _ := get(t, h, "/probe/log?id=x"); code != 400 {
		t.Errorf("a bad id: %d, want 400", code)
	}
}

// TestProbeLoopbackHost: unless Public, a Host that is not a loopback
// name is refused (DNS rebinding), so a web page cannot drive the prober
// or read its transcripts through the user's browser.
func TestProbeLoopbackHost(t *testing.T) {
	run := func(context.Context, *Module, string) *Result { return &Result{Success: true} }
	s := &Server{Modules: []*Module{{Name: "m"}}, Run: run}
	for _, path := range []string{"/", "/probe?module=m&target=x", "/metrics"} {
		if code, _, _ := get(t, s.Handler(), path, "Host", "rebound.example:9917"); code != http.StatusMisdirectedRequest {
			t.Errorf("%s from another Host: %d, want 421", path, code)
		}
	}
	if code, _, _ := get(t, s.Handler(), "/probe?module=m&target=x", "Host", "localhost:9917"); code != 200 {
		t.Errorf("localhost: %d", code)
	}
	pub := &Server{Modules: []*Module{{Name: "m"}}, Run: run, Public: true}
	if code, _, _ := get(t, pub.Handler(), "/probe?module=m&target=x", "Host", "prober.example:9917"); code != 200 {
		t.Errorf("public: %d", code)
	}
}
