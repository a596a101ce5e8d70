// Package promtext writes metrics in the Prometheus text exposition format
// (version 0.0.4), the format of a /metrics page and of node_exporter's
// textfile collector: HELP and TYPE lines, then one sample per line.
//
// It is what `mailexpect serve` and `--prom FILE` need of a Prometheus
// client, and no more: families are plain values built at scrape time
// (the prober keeps its own few counters), written in the order and with
// the escaping and number format of the official Go client, so a scrape
// reads the same as before. The Go runtime and process metrics every Go
// exporter shows are in runtime.go.
//
// The official client (prometheus/client_golang) was the dependency here
// before; its package initialisation (protobuf descriptors, procfs, the
// default registry's collectors) ran in every mailexpect process, a
// millisecond of each start, for the two commands that write metrics.
package promtext

import (
	"bufio"
	"cmp"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Type is the TYPE of a family.
type Type string

// The metric types this package writes.
const (
	Gauge     Type = "gauge"
	Counter   Type = "counter"
	Histogram Type = "histogram"
	Summary   Type = "summary"
)

// Label is one label pair.
type Label struct {
	Name, Value string
}

// Family is the samples of one metric name.
type Family struct {
	Name    string
	Help    string
	Type    Type
	Metrics []Metric
}

// Metric is one sample set of a family: a value (gauge, counter), or the
// buckets (histogram) or quantiles (summary) with their sum and count.
type Metric struct {
	Labels []Label
	Value  float64

	Buckets   []Bucket   // histogram: ascending upper bounds, cumulative counts; +Inf is added
	Quantiles []Quantile // summary
	Sum       float64    // histogram, summary
	Count     uint64     // histogram, summary
}

// Bucket is a histogram bucket: the observations <= UpperBound.
type Bucket struct {
	UpperBound float64
	Count      uint64
}

// Quantile is a summary's quantile.
type Quantile struct {
	Quantile, Value float64
}

// Write writes fams in the text format: families sorted by name (a
// family without samples is left out, as the official client does), the
// labels of each sample sorted by name and the samples by their label
// values.
func Write(w io.Writer, fams []Family) error {
	bw := bufio.NewWriter(w)
	sorted := slices.Clone(fams)
	slices.SortStableFunc(sorted, func(a, b Family) int { return cmp.Compare(a.Name, b.Name) })
	for _, f := range sorted {
		if len(f.Metrics) == 0 {
			continue
		}
		ms := make([]Metric, len(f.Metrics))
		for i, m := range f.Metrics {
			m.Labels = slices.Clone(m.Labels)
			slices.SortFunc(m.Labels, func(a, b Label) int { return cmp.Compare(a.Name, b.Name) })
			ms[i] = m
		}
		slices.SortStableFunc(ms, compareLabelValues)
		writeFamily(bw, f, ms)
	}
	return bw.Flush()
}

func compareLabelValues(a, b Metric) int {
	for i := 0; i < len(a.Labels) && i < len(b.Labels); i++ {
		if c := cmp.Compare(a.Labels[i].Value, b.Labels[i].Value); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a.Labels), len(b.Labels))
}

func writeFamily(w *bufio.Writer, f Family, ms []Metric) {
	if f.Help != "" {
		w.WriteString("# HELP " + f.Name + " ")
		helpEscaper.WriteString(w, f.Help)
		w.WriteByte('\n')
	}
	w.WriteString("# TYPE " + f.Name + " " + string(f.Type) + "\n")
	for _, m := range ms {
		switch f.Type {
		case Histogram:
			for _, b := range m.Buckets {
				sample(w, f.Name+"_bucket", m.Labels, &Label{"le", formatFloat(b.UpperBound)}, strconv.FormatUint(b.Count, 10))
			}
			sample(w, f.Name+"_bucket", m.Labels, &Label{"le", "+Inf"}, strconv.FormatUint(m.Count, 10))
			sample(w, f.Name+"_sum", m.Labels, nil, formatFloat(m.Sum))
			sample(w, f.Name+"_count", m.Labels, nil, strconv.FormatUint(m.Count, 10))
		case Summary:
			for _, q := range m.Quantiles {
				sample(w, f.Name, m.Labels, &Label{"quantile", formatFloat(q.Quantile)}, formatFloat(q.Value))
			}
			sample(w, f.Name+"_sum", m.Labels, nil, formatFloat(m.Sum))
			sample(w, f.Name+"_count", m.Labels, nil, strconv.FormatUint(m.Count, 10))
		default:
			sample(w, f.Name, m.Labels, nil, formatFloat(m.Value))
		}
	}
}

// sample writes one line; extra (le, quantile) comes after the labels.
func sample(w *bufio.Writer, name string, labels []Label, extra *Label, value string) {
	w.WriteString(name)
	if len(labels) > 0 || extra != nil {
		w.WriteByte('{')
		for i, l := range labels {
			if i > 0 {
				w.WriteByte(',')
			}
			writeLabel(w, l)
		}
		if extra != nil {
			if len(labels) > 0 {
				w.WriteByte(',')
			}
			writeLabel(w, *extra)
		}
		w.WriteByte('}')
	}
	w.WriteString(" " + value + "\n")
}

func writeLabel(w *bufio.Writer, l Label) {
	w.WriteString(l.Name + `="`)
	valueEscaper.WriteString(w, l.Value)
	w.WriteByte('"')
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	valueEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

// formatFloat is the official client's number format: the shortest
// representation that reads back the same, +Inf, -Inf, NaN, and 0 for
// -0 as well.
func formatFloat(f float64) string {
	switch {
	case f == 0:
		return "0"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return "NaN"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
