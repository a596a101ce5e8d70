package bulk

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/testutil"
)

func TestProgressLine(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		s    progressStats
		at   time.Duration
		want string
	}{
		{progressStats{total: 5000, done: 1200, failed: 3, ran: 1200, start: t0}, 1200 * time.Second / 85, "progress: 1200/5000 done, 3 failed, 85.0 rows/s, ETA 45s"},
		{progressStats{total: 10, start: t0}, time.Second, "progress: 0/10 done, 0 failed, 0.0 rows/s, ETA ?"},
		{progressStats{total: 10, done: 10, ran: 4, start: t0}, 2 * time.Second, "progress: 10/10 done, 0 failed, 2.0 rows/s, ETA 0s"},
		{progressStats{total: 100, done: 60, ran: 10, start: t0}, 10 * time.Second, "progress: 60/100 done, 0 failed, 1.0 rows/s, ETA 40s"}, // 50 skipped
		{progressStats{total: 9000, done: 1, ran: 1, start: t0}, time.Second, "progress: 1/9000 done, 0 failed, 1.0 rows/s, ETA 2h29m59s"},
	}
	for _, tt := range tests {
		if got := progressLine(tt.s, t0.Add(tt.at)); got != tt.want {
			t.Errorf("progressLine = %q, want %q", got, tt.want)
		}
	}
}

var progressRE = regexp.MustCompile(`^progress: \d+/10 done, [01] failed, \d+\.\d rows/s, ETA (\?|[0-9hms.]+)$`)

func TestLineProgress(t *testing.T) {
	var progress testutil.SyncBuffer
	sum, err := Run(context.Background(), Config{Jobs: 1, Progress: &progress, ProgressInterval: time.Millisecond}, makeRows(t, 10),
		func(ctx context.Context, at *Attempt) (any, error) {
			row := at.Row()
			time.Sleep(3 * time.Millisecond)
			if row.Index == 4 {
				return nil, errors.New("boom")
			}
			return nil, nil
		})
	if err != nil || sum.Failed != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	lines := strings.Split(strings.TrimSpace(progress.String()), "\n")
	if len(lines) < 3 {
		t.Fatalf("progress lines:\n%s", progress.String())
	}
	for _, l := range lines {
		if !progressRE.MatchString(l) {
			t.Errorf("progress line %q", l)
		}
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "progress: 10/10 done, 1 failed, ") || !strings.HasSuffix(last, "ETA 0s") {
		t.Errorf("last line %q", last)
	}
}

func TestLineProgressOnlyAtTheEndWhenQuick(t *testing.T) {
	var progress testutil.SyncBuffer
	Run(context.Background(), Config{Jobs: 4, Progress: &progress}, makeRows(t, 10),
		func(context.Context, *Attempt) (any, error) { return nil, nil })
	if lines := strings.Split(strings.TrimSpace(progress.String()), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "progress: 10/10 done, 0 failed, ") {
		t.Errorf("progress:\n%s", progress.String())
	}
}

func TestBarProgress(t *testing.T) {
	// Not a real terminal: mpb draws frames one after another, which is
	// enough to see what the bar shows and that print lines go above it.
	var progress testutil.SyncBuffer
	cfg := Config{Jobs: 2, Progress: &progress, IsTerminal: true, Stdout: &testutil.SyncBuffer{}, StdoutIsTerminal: true}
	sum, err := Run(context.Background(), cfg, makeRows(t, 6), func(ctx context.Context, at *Attempt) (any, error) {
		row := at.Row()
		fmt.Fprintf(at.Stdout(), "hello from %d\n", row.Index)
		time.Sleep(20 * time.Millisecond)
		if row.Index == 2 {
			return nil, errors.New("boom")
		}
		return nil, nil
	})
	if err != nil || sum.OK != 5 {
		t.Fatalf("%+v %v", sum, err)
	}
	out := progress.String()
	for _, want := range []string{"6/6", "1 failed", "rows/s", "ETA 0s", "[user3@example.com] hello from 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("bar output lacks %q:\n%s", want, out)
		}
	}
	if s := cfg.Stdout.(*testutil.SyncBuffer).String(); s != "" {
		t.Errorf("print lines went to stdout instead of above the bar: %q", s)
	}
}

func TestBarProgressInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var progress testutil.SyncBuffer
	sum, _ := Run(ctx, Config{Jobs: 1, Progress: &progress, IsTerminal: true}, makeRows(t, 5),
		func(ctx context.Context, at *Attempt) (any, error) {
			cancel()
			return nil, nil
		})
	if sum.NotStarted != 4 || !strings.Contains(progress.String(), "1/5") {
		t.Errorf("summary %+v, bar:\n%s", sum, progress.String())
	}
}
