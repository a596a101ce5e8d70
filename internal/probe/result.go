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
	"slices"
	"strings"
	"time"

	"github.com/mailexpect/mailexpect/internal/promtext"
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

// Families returns r as Prometheus metrics, with labels added to every
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
func (r *Result) Families(labels ...promtext.Label) []promtext.Family {
	var fams []promtext.Family
	// gauge adds a family and returns its index (set's f).
	gauge := func(name, help string) int {
		fams = append(fams, promtext.Family{Name: name, Help: help, Type: promtext.Gauge})
		return len(fams) - 1
	}
	// set sets a sample of fams[f]: labels, then the pairs of names and
	// values. A sample with the same labels (two sessions with TLS 1.3, a
	// step timed twice) is set again, the last value kept, never written
	// twice: a scrape with a duplicate series loses it.
	set := func(f int, v float64, pairs ...string) {
		ls := slices.Clone(labels)
		for i := 0; i+1 < len(pairs); i += 2 {
			ls = append(ls, promtext.Label{Name: pairs[i], Value: labelValue(pairs[i+1])})
		}
		for i, m := range fams[f].Metrics {
			if slices.Equal(m.Labels, ls) {
				fams[f].Metrics[i].Value = v
				return
			}
		}
		fams[f].Metrics = append(fams[f].Metrics, promtext.Metric{Labels: ls, Value: v})
	}
	success := 0.0
	if r.Success {
		success = 1
	}
	set(gauge("probe_success", "Whether the script succeeded (exit code 0; a check: state OK)"), success)
	set(gauge("probe_duration_seconds", "How long the script ran"), r.Duration.Seconds())
	set(gauge("probe_exit_code", "The script's exit code; for a check its state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN"), float64(r.ExitCode))
	if len(r.Metrics) > 0 {
		f := gauge("probe_check_metric", "The check's own metrics (check.metric), by name and unit")
		for _, m := range r.Metrics {
			set(f, m.Value, "name", m.Name, "uom", m.Unit)
		}
	}
	if len(r.Steps) > 0 {
		f := gauge("probe_step_duration_seconds", "Duration of each timed step (check.timings, check.step)")
		for _, s := range r.Steps {
			set(f, s.Seconds, "step", s.Name)
		}
	}
	if len(r.TLS) > 0 {
		var earliest time.Time
		versions := gauge("probe_tls_version_info", "The TLS version used")
		for _, t := range r.TLS {
			if !t.EarliestExpiry.IsZero() && (earliest.IsZero() || t.EarliestExpiry.Before(earliest)) {
				earliest = t.EarliestExpiry
			}
			set(versions, 1, "version", t.Version)
		}
		if !earliest.IsZero() {
			set(gauge("probe_ssl_earliest_cert_expiry", "Returns earliest SSL cert expiry date"), float64(earliest.Unix()))
		}
	}
	return fams
}

// labelValue makes s a valid label value: Prometheus wants UTF-8.
func labelValue(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
