package promtext_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/mailexpect/mailexpect/internal/promtext"
)

// official writes reg as the official client's /metrics page does.
func official(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

func write(t *testing.T, fams []promtext.Family) string {
	t.Helper()
	var b strings.Builder
	if err := promtext.Write(&b, fams); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestSameAsOfficialClient: the same metrics written by this package and
// by prometheus/client_golang are the same bytes: order of families,
// samples and labels, escaping of HELP and label values, numbers,
// histogram buckets, families without samples left out.
func TestSameAsOfficialClient(t *testing.T) {
	reg := prometheus.NewRegistry()
	cv := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "x_total", Help: "back\\slash and\nnewline"}, []string{"module", "result"})
	hv := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "h_seconds", Help: "h", Buckets: []float64{.01, .025, 1, 2.5, 60}}, []string{"module"})
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "g", Help: "g", ConstLabels: prometheus.Labels{"script": "a.lua"}}, []string{"name", "uom"})
	empty := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "empty", Help: "no samples"}, []string{"x"})
	one := prometheus.NewGauge(prometheus.GaugeOpts{Name: "a_one", Help: "one"})
	reg.MustRegister(cv, hv, g, empty, one)
	cv.WithLabelValues("b\"q\\\nx", "success").Inc()
	cv.WithLabelValues("a", "success").Add(2.5)
	cv.WithLabelValues("a", "failure").Add(1e21)
	hv.WithLabelValues("m").Observe(0.5)
	hv.WithLabelValues("m").Observe(0.01)
	hv.WithLabelValues("m").Observe(61)
	hv.WithLabelValues("k").Observe(0.02)
	g.WithLabelValues("time", "s").Set(0.25)
	g.WithLabelValues("days", "").Set(1.8e9)
	g.WithLabelValues("inf", "").Set(math.Inf(1))
	g.WithLabelValues("nan", "").Set(math.NaN())
	g.WithLabelValues("neg", "").Set(-math.Inf(1))
	g.WithLabelValues("negzero", "").Set(math.Copysign(0, -1))
	one.Set(1)

	script := promtext.Label{Name: "script", Value: "a.lua"}
	mine := []promtext.Family{
		{Name: "x_total", Help: "back\\slash and\nnewline", Type: promtext.Counter, Metrics: []promtext.Metric{
			{Labels: []promtext.Label{{"module", "b\"q\\\nx"}, {"result", "success"}}, Value: 1},
			{Labels: []promtext.Label{{"result", "success"}, {"module", "a"}}, Value: 2.5},
			{Labels: []promtext.Label{{"module", "a"}, {"result", "failure"}}, Value: 1e21},
		}},
		{Name: "h_seconds", Help: "h", Type: promtext.Histogram, Metrics: []promtext.Metric{
			{Labels: []promtext.Label{{"module", "m"}}, Buckets: []promtext.Bucket{{.01, 1}, {.025, 1}, {1, 2}, {2.5, 2}, {60, 2}}, Count: 3, Sum: 61.51},
			{Labels: []promtext.Label{{"module", "k"}}, Buckets: []promtext.Bucket{{.01, 0}, {.025, 1}, {1, 1}, {2.5, 1}, {60, 1}}, Count: 1, Sum: 0.02},
		}},
		{Name: "g", Help: "g", Type: promtext.Gauge, Metrics: []promtext.Metric{
			{Labels: []promtext.Label{script, {"name", "time"}, {"uom", "s"}}, Value: 0.25},
			{Labels: []promtext.Label{{"uom", ""}, {"name", "days"}, script}, Value: 1.8e9},
			{Labels: []promtext.Label{script, {"name", "inf"}, {"uom", ""}}, Value: math.Inf(1)},
			{Labels: []promtext.Label{script, {"name", "nan"}, {"uom", ""}}, Value: math.NaN()},
			{Labels: []promtext.Label{script, {"name", "neg"}, {"uom", ""}}, Value: math.Inf(-1)},
			{Labels: []promtext.Label{script, {"name", "negzero"}, {"uom", ""}}, Value: math.Copysign(0, -1)},
		}},
		{Name: "empty", Help: "no samples", Type: promtext.Gauge},
		{Name: "a_one", Help: "one", Type: promtext.Gauge, Metrics: []promtext.Metric{{Value: 1}}},
	}
	if diff := cmp.Diff(official(t, reg), write(t, mine)); diff != "" {
		t.Errorf("official client (-) and promtext (+) differ:\n%s", diff)
	}
}

// TestRuntimeMetricsAsOfficialClient: GoMetrics and ProcessMetrics have
// the names, types and help texts of the official Go and process
// collectors, and the text parses as Prometheus parses it.
func TestRuntimeMetricsAsOfficialClient(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	theirs := shapes(t, official(t, reg))
	ours := shapes(t, write(t, append(promtext.GoMetrics(), promtext.ProcessMetrics()...)))
	if diff := cmp.Diff(theirs, ours); diff != "" {
		t.Errorf("official collectors (-) and promtext (+) differ:\n%s", diff)
	}
}

// shapes parses text and returns each family's type and help by name.
func shapes(t *testing.T, text string) map[string]string {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("%v in:\n%s", err, text)
	}
	out := map[string]string{}
	for name, mf := range mfs {
		if len(mf.Metric) == 0 {
			t.Errorf("%s: no samples", name)
		}
		out[name] = mf.GetType().String() + " " + mf.GetHelp()
	}
	return out
}

// TestHandler: the official client's content type, gzip when accepted.
func TestHandler(t *testing.T) {
	fams := []promtext.Family{{Name: "up", Type: promtext.Gauge, Metrics: []promtext.Metric{{Value: 1}}}}
	h := promtext.Handler(func() []promtext.Family { return fams })
	for _, tc := range []struct {
		accept string
		gzip   bool
	}{{"", false}, {"gzip", true}, {"identity, gzip;q=0.5", true}, {"gzip;q=0", false}, {"*", true}, {"br", false}} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		if tc.accept != "" {
			req.Header.Set("Accept-Encoding", tc.accept)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if ct := rec.Header().Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8; escaping=underscores" {
			t.Errorf("%q: Content-Type %q", tc.accept, ct)
		}
		body := rec.Body.Bytes()
		if got := rec.Header().Get("Content-Encoding") == "gzip"; got != tc.gzip {
			t.Errorf("%q: gzip %v, want %v", tc.accept, got, tc.gzip)
		}
		if tc.gzip {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(zr)
		}
		if want := "# TYPE up gauge\nup 1\n"; string(body) != want {
			t.Errorf("%q: body %q, want %q", tc.accept, body, want)
		}
	}
}

// TestWriteFile: the file is replaced whole, mode 0644, nothing left
// beside it.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.prom")
	if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fams := []promtext.Family{{Name: "up", Help: "h", Type: promtext.Gauge, Metrics: []promtext.Metric{{Value: 0}}}}
	if err := promtext.WriteFile(path, fams); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "# HELP up h\n# TYPE up gauge\nup 0\n" {
		t.Errorf("%q", data)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("left behind: %v", ents)
	}
	if err := promtext.WriteFile(filepath.Join(dir, "no", "m.prom"), fams); err == nil {
		t.Error("no error for a missing directory")
	}
}

// TestGoSettingsAsRuntime: GOGC, GOMEMLIMIT and GOMAXPROCS, read without
// runtime/metrics, are what runtime/metrics says.
func TestGoSettingsAsRuntime(t *testing.T) {
	got := map[string]float64{}
	for _, f := range promtext.GoMetrics() {
		if len(f.Metrics) == 1 {
			got[f.Name] = f.Metrics[0].Value
		}
	}
	for name, sample := range map[string]string{
		"go_gc_gogc_percent":          "/gc/gogc:percent",
		"go_gc_gomemlimit_bytes":      "/gc/gomemlimit:bytes",
		"go_sched_gomaxprocs_threads": "/sched/gomaxprocs:threads",
	} {
		s := []metrics.Sample{{Name: sample}}
		metrics.Read(s)
		if want := float64(s[0].Value.Uint64()); got[name] != want {
			t.Errorf("%s = %v, runtime/metrics %s = %v", name, got[name], sample, want)
		}
	}
}
