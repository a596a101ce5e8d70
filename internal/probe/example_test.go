package probe_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/mailexpect/mailexpect/internal/probe"
	"github.com/mailexpect/mailexpect/internal/promtext"
)

// A run's result as the text Prometheus scrapes (HELP and TYPE lines
// left out here).
func ExampleResult_Families() {
	res := &probe.Result{
		Success:  true,
		Duration: 250 * time.Millisecond,
		Metrics:  []probe.Metric{{Name: "time", Unit: "s", Value: 0.2}},
		Steps:    []probe.Step{{Name: "smtp_banner", Seconds: 0.001}},
		TLS:      []probe.TLS{{Version: "TLS 1.3", EarliestExpiry: time.Unix(1800000000, 0)}},
	}
	var b strings.Builder
	promtext.Write(&b, res.Families())
	for _, line := range strings.Split(b.String(), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			fmt.Fprintln(os.Stdout, line)
		}
	}
	// Output:
	// probe_check_metric{name="time",uom="s"} 0.2
	// probe_duration_seconds 0.25
	// probe_exit_code 0
	// probe_ssl_earliest_cert_expiry 1.8e+09
	// probe_step_duration_seconds{step="smtp_banner"} 0.001
	// probe_success 1
	// probe_tls_version_info{version="TLS 1.3"} 1
}
