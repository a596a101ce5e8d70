package runner

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	case d < 100*time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.0f s", d.Seconds())
}

func fmtRSS(b int64) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

func ratio(a, b time.Duration) string {
	if a <= 0 || b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(a)/float64(b))
}

// mx reports whether a client is a mailexpect variant.
func mx(client string) bool { return strings.HasPrefix(client, "mx-") }

// Target is one of issue 10's targets and how this run did.
type Target struct {
	What, Result string
	Met          bool
}

// Targets evaluates the targets on the report.
func (r *Report) Targets() []Target {
	var out []Target
	groups := r.byWorkload()
	for _, w := range r.workloads() {
		cells := groups[w]
		goc := find(cells, "go")
		if goc == nil || !goc.OK() {
			continue
		}
		for _, c := range cells {
			if !mx(c.Client) || c.Skip != "" {
				continue
			}
			t := Target{What: fmt.Sprintf("%s %s wall <= 1.3x Go", w, c.Client)}
			if !c.OK() {
				t.Result = "failed: " + c.firstErr()
			} else {
				q := float64(c.Wall()) / float64(goc.Wall())
				t.Result, t.Met = fmt.Sprintf("%.2fx (%s vs %s)", q, fmtDur(c.Wall()), fmtDur(goc.Wall())), q <= 1.3
			}
			out = append(out, t)
		}
	}
	if cells := groups["W1"]; cells != nil {
		// The clients that hold the message against the Go client that
		// holds it too: the same fresh memory touched.
		if mem := find(cells, "go-mem"); mem != nil && mem.OK() {
			for _, client := range []string{"mx-mod", "mx-idiom"} {
				if c := find(cells, client); c != nil && c.OK() {
					q := float64(c.Wall()) / float64(mem.Wall())
					out = append(out, Target{What: fmt.Sprintf("W1 %s wall <= 1.3x go-mem (the message held in memory by both)", client),
						Result: fmt.Sprintf("%.2fx (%s vs %s)", q, fmtDur(c.Wall()), fmtDur(mem.Wall())), Met: q <= 1.3})
				}
			}
		}
		for _, v := range []struct {
			client string
			limit  int64
			what   string
		}{
			{"mx-mod", int64(r.Params.BigSize) * 3 / 2, "1.5x the message"},
			{"mx-idiom", int64(r.Params.BigSize) * 3 / 2, "1.5x the message"},
			{"mx-modfile", 16 << 20, "16 MiB"},
			{"mx-raw", 16 << 20, "16 MiB"},
		} {
			if c := find(cells, v.client); c != nil && c.OK() {
				out = append(out, Target{What: fmt.Sprintf("W1 %s peak RSS <= %s (%s)", v.client, v.what, fmtRSS(v.limit)),
					Result: fmtRSS(c.RSS()), Met: c.RSS() <= v.limit})
			}
		}
	}
	for _, s := range r.Startup {
		if strings.HasPrefix(s.Name, "mailexpect") {
			m := s.median()
			out = append(out, Target{What: "`mailexpect -e ''` start-up <= 10 ms (median)", Result: fmtDur(m), Met: m > 0 && m <= 10*time.Millisecond})
		}
	}
	return out
}

func (s *Startup) median() time.Duration {
	return medianDur(field(s.Runs, func(r Sample) int64 { return int64(r.Wall) }))
}

func (c *Cell) firstErr() string {
	for _, r := range c.Runs {
		if r.Err != nil {
			return r.Err.Error()
		}
	}
	return c.Skip
}

func find(cells []*Cell, client string) *Cell {
	for _, c := range cells {
		if c.Client == client {
			return c
		}
	}
	return nil
}

func (r *Report) workloads() []string { return r.distinct(func(c *Cell) string { return c.W }) }

func (r *Report) clients() []string { return r.distinct(func(c *Cell) string { return c.Client }) }

// distinct lists the values of key over the cells, each once, in the
// order the cells first show them.
func (r *Report) distinct(key func(*Cell) string) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range r.Cells {
		if k := key(c); !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

func (r *Report) byWorkload() map[string][]*Cell {
	m := map[string][]*Cell{}
	for _, c := range r.Cells {
		m[c.W] = append(m[c.W], c)
	}
	return m
}

func (r *Report) title(w, group string) string {
	p := r.Params
	switch group {
	case "W1":
		return fmt.Sprintf(workloadTitles[group], size(p.BigSize))
	case "W2":
		return fmt.Sprintf(workloadTitles[group], fmt.Sprint(p.Noops))
	case "W3":
		t := fmt.Sprintf(workloadTitles[group], fmt.Sprintf("%d mailboxes x %d messages", p.Boxes, p.PerBox))
		if strings.HasPrefix(w, "W3-jobs") {
			t = strings.Replace(t, "one mailbox after the other", strings.TrimPrefix(w, "W3-jobs")+" mailboxes at a time", 1)
		}
		return t
	case "W4":
		return fmt.Sprintf(workloadTitles[group], fmt.Sprintf("%d x MAIL/RCPT/DATA of %s", p.Messages, size(p.MsgSize)))
	case "W5":
		for _, c := range r.Cells {
			if c.W == w {
				return fmt.Sprintf(workloadTitles[group], size(c.Size))
			}
		}
	}
	return w
}

// Markdown renders the report.
func (r *Report) Markdown() string {
	var b strings.Builder
	mode := "full"
	if r.Quick {
		mode = "quick (correctness only: tiny sizes)"
	}
	fmt.Fprintf(&b, "# mailexpect benchmark results\n\n")
	fmt.Fprintf(&b, "Produced by `go run ./bench/run` (see bench/README.md). Date: %s. Mode: %s, %d repetitions per cell, interleaved; a run over %s is stopped.\n\n",
		r.Date.Format("2006-01-02 15:04 MST"), mode, r.Reps, fmtDur(r.Cap))
	fmt.Fprintf(&b, "Machine: %s.\n\n", strings.Join(r.Machine, "; "))
	fmt.Fprintf(&b, "Versions: %s.\n\n", strings.Join(r.Versions, "; "))
	rss := "peak RSS the client's ru_maxrss as GNU time reports it (a child forked by the runner itself would inherit the runner's RSS as its high-water mark)"
	if r.RSSFloor {
		rss = "peak RSS is wait4's ru_maxrss of the runner's child: **GNU time is not installed, so it includes the runner's own RSS** (install the Debian package time)"
	}
	b.WriteString("Wall is the median over the runs that passed; CPU is user+sys of the client process and the processes it waited for (wait4); " + rss + "; all medians. " +
		"×Go is the ratio to the hand-written Go client's median in the same run. " +
		"A run passes when the load server's counters (connections, logins, commands, deletions committed at QUIT, messages and bytes) and the client's output " +
		"(the W1 file's SHA-256, W5's count of bytes before the match) show that all the work was done.\n\n")

	if ts := r.Targets(); len(ts) > 0 {
		b.WriteString("## Targets\n\n| target | this run | met |\n|---|---|---|\n")
		for _, t := range ts {
			met := "yes"
			if !t.Met {
				met = "**no**"
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", t.What, t.Result, met)
		}
		b.WriteString("\n")
	}

	b.WriteString(r.Summary())

	groups := r.byWorkload()
	for _, w := range r.workloads() {
		cells := groups[w]
		fmt.Fprintf(&b, "## %s: %s\n\n", w, r.title(w, cells[0].Group))
		b.WriteString("| client | wall | ×Go | wall min–max | CPU | ×Go | peak RSS | runs |\n|---|---:|---:|---:|---:|---:|---:|---|\n")
		goc := find(cells, "go")
		var gw, gc time.Duration
		if goc != nil && goc.OK() {
			gw, gc = goc.Wall(), goc.CPU()
		}
		for _, c := range cells {
			name := c.Client
			if mx(name) {
				name = "**" + name + "**"
			}
			if c.Skip != "" {
				fmt.Fprintf(&b, "| %s | | | | | | | %s |\n", name, c.Skip)
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", name, fmtDur(c.Wall()), ratio(c.Wall(), gw),
				c.spread(), fmtDur(c.CPU()), ratio(c.CPU(), gc), fmtRSS(c.RSS()), c.status())
		}
		b.WriteString("\n")
	}

	if g := r.growth(); g != "" {
		b.WriteString(g)
	}

	if len(r.Startup) > 0 {
		b.WriteString("## Start-up\n\n| command | median wall | min | max | peak RSS |\n|---|---:|---:|---:|---:|\n")
		for _, s := range r.Startup {
			ws := field(s.Runs, func(r Sample) int64 { return int64(r.Wall) })
			sort.Slice(ws, func(i, j int) bool { return ws[i] < ws[j] })
			if len(ws) > 0 {
				fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", s.Name, fmtDur(medianDur(ws)), fmtDur(ws[0]), fmtDur(ws[len(ws)-1]), fmtRSS(s.RSS))
			}
		}
		b.WriteString("\n")
	}

	b.WriteString("## Clients\n\n")
	seen := map[string]bool{}
	for _, c := range r.Cells {
		if !seen[c.Client] {
			seen[c.Client] = true
			fmt.Fprintf(&b, "- `%s`: %s\n", c.Client, clientInfo[c.Client])
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\n%s\n", n)
	}
	return b.String()
}

// spread is the fastest and slowest wall time of the measured runs: on a
// shared machine, latency-bound workloads vary from run to run.
func (c *Cell) spread() string {
	rs := c.measured()
	if len(rs) < 2 {
		return "-"
	}
	lo, hi := rs[0].Wall, rs[0].Wall
	for _, r := range rs[1:] {
		lo, hi = min(lo, r.Wall), max(hi, r.Wall)
	}
	return fmtDur(lo) + "–" + fmtDur(hi)
}

// Summary is one table of every cell: the median wall time and its ratio
// to the Go client's, per workload (columns) and client (rows).
func (r *Report) Summary() string {
	ws := r.workloads()
	if len(ws) == 0 {
		return ""
	}
	groups := r.byWorkload()
	clients := r.clients()
	var b strings.Builder
	b.WriteString("## Summary: median wall time (×Go)\n\n| client |")
	for _, w := range ws {
		fmt.Fprintf(&b, " %s |", w)
	}
	b.WriteString("\n|---|" + strings.Repeat("---:|", len(ws)) + "\n")
	for _, cl := range clients {
		name := cl
		if mx(cl) {
			name = "**" + cl + "**"
		}
		fmt.Fprintf(&b, "| %s |", name)
		for _, w := range ws {
			c, goc := find(groups[w], cl), find(groups[w], "go")
			switch {
			case c == nil || c.Skip != "":
				b.WriteString(" |")
			case len(c.finished()) == 0 && len(c.Runs) > 0 && c.Runs[0].TimedOut:
				fmt.Fprintf(&b, " >%s |", fmtDur(r.Cap))
			case len(c.finished()) == 0:
				b.WriteString(" failed |")
			default:
				q := ""
				if goc != nil && goc.OK() {
					q = " (" + ratio(c.Wall(), goc.Wall()) + ")"
				}
				mark := ""
				if !c.OK() {
					mark = " ✗"
					if c.Lossy != "" {
						mark = " ✗ data lost"
					}
				}
				fmt.Fprintf(&b, " %s%s%s |", fmtDur(c.Wall()), q, mark)
			}
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	return b.String()
}

// status is "5/5 ok" or the first failure.
func (c *Cell) status() string {
	ok := len(c.good())
	s := fmt.Sprintf("%d/%d ok", ok, len(c.Runs))
	if ok < len(c.Runs) && c.Lossy != "" {
		s += " (expected: " + c.Lossy + ")"
	}
	if ok < len(c.Runs) {
		msg := c.firstErr()
		if len(msg) > 160 {
			msg = msg[:160] + "..."
		}
		s += ": " + strings.ReplaceAll(msg, "|", "\\|")
	}
	return s
}

// growth renders W5's shape: time per MiB at each size, and the ratio of
// the largest size's time to the one before (4.0 for linear growth from
// 16 to 64 MiB).
func (r *Report) growth() string {
	var ws []string
	for _, w := range r.workloads() {
		if strings.HasPrefix(w, "W5-") {
			ws = append(ws, w)
		}
	}
	if len(ws) < 2 {
		return ""
	}
	groups := r.byWorkload()
	var b strings.Builder
	b.WriteString("## W5 growth\n\nWall time per MiB of lines at each size; the last column divides the wall time at the largest size by the one before it " +
		fmt.Sprintf("(linear growth gives %.1f).\n\n", float64(r.Params.LineSizes[len(r.Params.LineSizes)-1])/float64(r.Params.LineSizes[len(r.Params.LineSizes)-2])))
	b.WriteString("| client |")
	for _, w := range ws {
		fmt.Fprintf(&b, " %s |", strings.TrimPrefix(w, "W5-"))
	}
	b.WriteString(" growth |\n|---|" + strings.Repeat("---:|", len(ws)) + "---:|\n")
	for _, c0 := range groups[ws[0]] {
		fmt.Fprintf(&b, "| %s |", c0.Client)
		var walls []time.Duration
		for i, w := range ws {
			c := find(groups[w], c0.Client)
			switch {
			case c == nil || c.Skip != "":
				b.WriteString(" - |")
				walls = append(walls, 0)
			case len(c.finished()) == 0:
				if len(c.Runs) > 0 && c.Runs[0].TimedOut {
					fmt.Fprintf(&b, " >%s |", fmtDur(r.Cap))
				} else {
					b.WriteString(" failed |")
				}
				walls = append(walls, 0)
			default:
				mib := float64(r.Params.LineSizes[i]) / (1 << 20)
				note := ""
				if !c.OK() {
					note = " (data lost)"
				}
				fmt.Fprintf(&b, " %s/MiB%s |", fmtDur(time.Duration(float64(c.Wall())/mib)), note)
				walls = append(walls, c.Wall())
			}
		}
		n := len(walls)
		fmt.Fprintf(&b, " %s |\n", ratio(walls[n-1], walls[n-2]))
	}
	b.WriteString("\n")
	return b.String()
}
