package bulk

import (
	"fmt"
	"io"
	"math"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"
)

// IsTerminal reports whether w is a terminal (for Config.IsTerminal and
// Config.StdoutIsTerminal: pass os.Stderr and os.Stdout).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressStats is a snapshot of the run's counts.
type progressStats struct {
	total  int // rows in the input; -1 until known
	done   int // finished, whatever the status, plus skipped
	failed int
	ran    int // finished in this run (done less skipped): the rate counts these
	start  time.Time
}

// rate is rows finished per second since the start.
func (s progressStats) rate(now time.Time) float64 {
	el := now.Sub(s.start).Seconds()
	if el <= 0 || s.ran == 0 {
		return 0
	}
	return float64(s.ran) / el
}

// eta is the time the remaining rows take at the rate so far; ok is false
// before any row has finished.
func (s progressStats) eta(now time.Time) (time.Duration, bool) {
	if s.total < 0 {
		return 0, false
	}
	left := s.total - s.done
	if left <= 0 {
		return 0, true
	}
	r := s.rate(now)
	if r == 0 {
		return 0, false
	}
	secs := float64(left) / r
	if secs > float64(math.MaxInt64/int64(time.Second)) {
		return 0, false
	}
	return time.Duration(secs * float64(time.Second)).Round(time.Second), true
}

func formatETA(d time.Duration, ok bool) string {
	if !ok {
		return "ETA ?"
	}
	return "ETA " + d.String()
}

// progressLine is the non-terminal form:
//
//	progress: 1200/5000 done, 3 failed, 85.2 rows/s, ETA 44s
func progressLine(s progressStats, now time.Time) string {
	return fmt.Sprintf("progress: %d/%s done, %d failed, %.1f rows/s, %s",
		s.done, s.totalString(), s.failed, s.rate(now), formatETA(s.eta(now)))
}

// totalString is the total, or "?" while the input is still being
// counted.
func (s progressStats) totalString() string {
	if s.total < 0 {
		return "?"
	}
	return fmt.Sprint(s.total)
}

// progressDisplay shows the run's progress as rows finish.
type progressDisplay interface {
	update(progressStats)
	// finish draws the final state and stops; nothing is drawn after it.
	finish(progressStats)
	// printer is where print lines go so that they do not tear the
	// display, or nil when they can go straight to stdout.
	printer() io.Writer
}

// noProgress shows nothing.
type noProgress struct{}

func (noProgress) update(progressStats) {}
func (noProgress) finish(progressStats) {}
func (noProgress) printer() io.Writer   { return nil }

// lineProgress prints one progress line every interval and one at the
// end: for logs and pipes, where a redrawn bar would be noise.
type lineProgress struct {
	w    io.Writer
	now  func() time.Time
	mu   sync.Mutex
	last progressStats
	stop chan struct{}
	done chan struct{}
}

func newLineProgress(w io.Writer, interval time.Duration, now func() time.Time, initial progressStats) *lineProgress {
	p := &lineProgress{w: w, now: now, last: initial, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.mu.Lock()
				fmt.Fprintln(p.w, progressLine(p.last, p.now()))
				p.mu.Unlock()
			case <-p.stop:
				return
			}
		}
	}()
	return p
}

func (p *lineProgress) update(s progressStats) {
	p.mu.Lock()
	p.last = s
	p.mu.Unlock()
}

func (p *lineProgress) finish(s progressStats) {
	close(p.stop)
	<-p.done
	fmt.Fprintln(p.w, progressLine(s, p.now()))
}

func (p *lineProgress) printer() io.Writer { return nil }

// barProgress is the live bar on a terminal, drawn by mpb:
//
//	1200/5000 [=====>-----------------] 3 failed  85.2 rows/s  ETA 44s
//
// mpb redraws it in place and prints lines written to it above it, so
// rows' print output does not tear it.
type barProgress struct {
	p   *mpb.Progress
	bar *mpb.Bar
	now func() time.Time
	mu  sync.Mutex
	s   progressStats
}

func newBarProgress(w io.Writer, now func() time.Time, initial progressStats) *barProgress {
	bp := &barProgress{now: now, s: initial}
	bp.p = mpb.New(mpb.WithOutput(w), mpb.WithAutoRefresh())
	stat := func(f func(progressStats) string) decor.Decorator {
		return decor.Any(func(decor.Statistics) string {
			bp.mu.Lock()
			defer bp.mu.Unlock()
			return f(bp.s)
		}, decor.WCSyncSpace)
	}
	bp.bar = bp.p.AddBar(int64(max(initial.total, 0)),
		mpb.PrependDecorators(stat(func(s progressStats) string { return fmt.Sprintf("%d/%s", s.done, s.totalString()) })),
		mpb.AppendDecorators(
			stat(func(s progressStats) string { return fmt.Sprintf("%d failed", s.failed) }),
			stat(func(s progressStats) string { return fmt.Sprintf("%.1f rows/s", s.rate(bp.now())) }),
			stat(func(s progressStats) string { return formatETA(s.eta(bp.now())) }),
		),
	)
	bp.bar.SetCurrent(int64(initial.done))
	return bp
}

func (bp *barProgress) update(s progressStats) {
	bp.mu.Lock()
	counted := bp.s.total < 0 && s.total >= 0
	bp.s = s
	bp.mu.Unlock()
	if counted {
		bp.bar.SetTotal(int64(s.total), false)
	}
	bp.bar.SetCurrent(int64(s.done))
}

func (bp *barProgress) finish(s progressStats) {
	bp.update(s)
	if s.total < 0 {
		bp.bar.SetTotal(int64(s.done), true) // never counted: complete at what was done
	} else if s.done < s.total {
		bp.bar.Abort(false) // interrupted: leave the bar where it stopped
	}
	bp.p.Wait()
}

func (bp *barProgress) printer() io.Writer { return bp.p }
