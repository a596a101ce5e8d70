// Package probe is the Prometheus face of mailexpect: the result of one
// run of a script as Prometheus metrics (the same names blackbox_exporter
// uses where the meaning is the same), the HTTP prober of `mailexpect
// serve` (/probe, /metrics, an index of recent probes) and the
// node_exporter textfile of `--prom FILE`.
//
// The package knows nothing of Lua: the caller runs scripts through a
// RunFunc and hands back a Result.
package probe

import (
	"context"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Module is one probe the prober offers: a script and its arguments. A
// probe runs the script with the target as its first argument, then Args.
type Module struct {
	Name    string
	Script  string        // the path, as shown on the index page
	Args    []string      // after the target
	Timeout time.Duration // upper bound of one run; 0: the scrape's timeout
}

// Metric is one of the check's own metrics (check.metric).
type Metric struct {
	Name  string
	Unit  string // "s", "%", "B", ... or ""
	Value float64
}

// Step is a timed step of a session or a check (check.timings, check.step).
type Step struct {
	Name    string
	Seconds float64
}

// TLS is what one TLS session of the run saw.
type TLS struct {
	Version        string    // "TLS 1.3", as crypto/tls names it (and blackbox_exporter)
	EarliestExpiry time.Time // earliest NotAfter of the certificates the server sent
}

// Result is what one run of a script learned.
type Result struct {
	Success  bool // exit code 0 (a check: state OK)
	ExitCode int  // a check's state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
	Duration time.Duration
	Message  string // the check's status line or the error, masked; "" when there is nothing to say
	Metrics  []Metric
	Steps    []Step
	TLS      []TLS

	// Transcript is the run's masked transcript and Output what it
	// printed; shown by debug=true and the index page.
	Transcript string
	Output     string
}

// RunFunc runs m's script against target under ctx (which carries the
// probe's deadline) and reports what happened. It must not panic on a
// failed target: a failure is a Result with Success false.
type RunFunc func(ctx context.Context, m *Module, target string) *Result

// Registry returns r as Prometheus metrics, with labels added to every
// one (the textfile's script label; none for /probe):
//
//	probe_success                     1 or 0
//	probe_duration_seconds            the whole run
//	probe_exit_code                   the exit code (a check's state)
//	probe_check_metric{name, uom}     each check.metric value
//	probe_step_duration_seconds{step} each timed step
//	probe_ssl_earliest_cert_expiry    earliest certificate expiry, epoch seconds
//	probe_tls_version_info{version}   1 for each TLS version used
//
// The last two carry blackbox_exporter's names and meaning, so existing
// certificate dashboards and alerts work unchanged.
func (r *Result) Registry(labels prometheus.Labels) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	gauge := func(name, help string) prometheus.Gauge {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels})
		reg.MustRegister(g)
		return g
	}
	vec := func(name, help string, names ...string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels}, names)
		reg.MustRegister(g)
		return g
	}
	success := 0.0
	if r.Success {
		success = 1
	}
	gauge("probe_success", "Whether the script succeeded (exit code 0; a check: state OK)").Set(success)
	gauge("probe_duration_seconds", "How long the script ran").Set(r.Duration.Seconds())
	gauge("probe_exit_code", "The script's exit code; for a check its state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN").Set(float64(r.ExitCode))
	if len(r.Metrics) > 0 {
		v := vec("probe_check_metric", "The check's own metrics (check.metric), by name and unit", "name", "uom")
		for _, m := range r.Metrics {
			v.WithLabelValues(labelValue(m.Name), labelValue(m.Unit)).Set(m.Value)
		}
	}
	if len(r.Steps) > 0 {
		v := vec("probe_step_duration_seconds", "Duration of each timed step (check.timings, check.step)", "step")
		for _, s := range r.Steps {
			v.WithLabelValues(labelValue(s.Name)).Set(s.Seconds)
		}
	}
	if len(r.TLS) > 0 {
		var earliest time.Time
		versions := vec("probe_tls_version_info", "The TLS version used", "version")
		for _, t := range r.TLS {
			if !t.EarliestExpiry.IsZero() && (earliest.IsZero() || t.EarliestExpiry.Before(earliest)) {
				earliest = t.EarliestExpiry
			}
			versions.WithLabelValues(labelValue(t.Version)).Set(1)
		}
		if !earliest.IsZero() {
			gauge("probe_ssl_earliest_cert_expiry", "Returns earliest SSL cert expiry date").Set(float64(earliest.Unix()))
		}
	}
	return reg
}

// labelValue makes s a valid label value: Prometheus wants UTF-8.
func labelValue(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
