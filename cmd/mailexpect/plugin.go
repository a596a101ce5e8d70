package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mailexpect/mailexpect/internal/promtext"
	luabind "github.com/mailexpect/mailexpect/luabind"
)

// maxPluginOutput bounds the print output --plugin holds until the run
// ends (monitors read a few KiB at most).
const maxPluginOutput = 1 << 20

// pluginReport writes a --plugin run's output: the status line first,
// however the run ended, then what the script printed (long output for
// the monitor). A check script's own status line and details lead; a
// plain script gets one made from how it ended:
//
//	OK - probe.lua finished in 0.012s | time=0.012s;;;0
//	WARNING - probe.lua exited with 1 | time=0.012s;;;0
//	CRITICAL - probe.lua:7: connect to ... refused | time=0.012s;;;0
//
// A failure is reported once, there (monitors such as Icinga 2 read
// stderr too).
func pluginReport(w io.Writer, name string, code int, err error, d time.Duration, c *collector) {
	held := []byte(c.out.String())
	c.mu.Lock()
	checked, at := c.check != nil, c.checkAt
	c.mu.Unlock()
	if checked && at <= len(held) {
		w.Write(held[at:])
		w.Write(held[:at])
		return
	}
	var re *luabind.RunError
	if errors.As(err, &re) && re.Reported {
		w.Write(held)
		return
	}
	secs := strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
	base := filepath.Base(name)
	var msg string
	switch {
	case err != nil:
		msg = strings.ReplaceAll(err.Error(), "|", "¦")
	case code == 0:
		msg = fmt.Sprintf("%s finished in %ss", base, secs)
	default:
		msg = fmt.Sprintf("%s exited with %d", base, code)
	}
	fmt.Fprintf(w, "%s - %s | time=%ss;;;0\n", pluginState(code), msg, secs)
	w.Write(held)
}

// writeProm is --prom FILE: the run's result in node_exporter's textfile
// format, written to a temporary file beside FILE and renamed over it.
func writeProm(file, name string, code int, err error, d time.Duration, c *collector) error {
	res := c.result(code, err, d)
	script := promtext.Label{Name: "script", Value: filepath.Base(name)}
	last := promtext.Family{Name: "mailexpect_last_run_timestamp_seconds", Type: promtext.Gauge,
		Help:    "When the run ended, epoch seconds: a check that stopped running shows here",
		Metrics: []promtext.Metric{{Labels: []promtext.Label{script}, Value: float64(time.Now().UnixNano()) / 1e9}}}
	return promtext.WriteFile(file, append(res.Families(script), last))
}
