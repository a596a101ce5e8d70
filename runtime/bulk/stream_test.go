package bulk

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// streamChild, when set, makes this test binary the child process of
// TestStreamMillionRows: it runs the rows file named there and reports.
const streamChild = "MAILEXPECT_BULK_STREAM_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(streamChild); path != "" {
		os.Exit(streamChildMain(path))
	}
	os.Exit(m.Run())
}

// streamChildMain runs a trivial job over the rows file at path with
// results written, and prints the time to the first row and the counts.
func streamChildMain(path string) int {
	start := time.Now()
	rows, err := OpenRows(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer rows.Close()
	var first atomic.Int64
	cfg := Config{
		Jobs:          4,
		ResultsWriter: bufio.NewWriter(io.Discard),
		Recount:       func() (RowSource, error) { return OpenRows(path) },
	}
	sum, err := RunSource(context.Background(), cfg, rows, func(ctx context.Context, a *Attempt) (any, error) {
		first.CompareAndSwap(0, int64(time.Since(start)))
		return nil, nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("first_row_ns=%d total=%d ok=%d\n", first.Load(), sum.Total, sum.OK)
	return 0
}

// writeRowsFile writes n rows of user,pass,host.
func writeRowsFile(t testing.TB, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rows.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("user,pass,host\n")
	for i := range n {
		fmt.Fprintf(w, "user%d@example.com,Secret-%d-pw,mx%d.example.com\n", i, i, i%7)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// TestStreamMillionRows: a million rows run in a child process whose
// peak memory (rusage maxrss) stays under 100 MB, rows being read as they
// run; the time to the first row is measured and reported (bounded only
// loosely: the machine may be busy).
func TestStreamMillionRows(t *testing.T) {
	n, limit := 1_000_000, int64(100e6)
	if testing.Short() {
		n = 100_000
	}
	if raceEnabled {
		// The race detector's shadow memory: the bound is for the rows'
		// memory growing, which 20k rows under 150 MB still shows.
		n, limit = 20_000, 150e6
	}
	path := writeRowsFile(t, n)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), streamChild+"="+path)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	elapsed := time.Since(start)
	var firstNS int64
	var total, ok int
	if _, err := fmt.Sscanf(string(out), "first_row_ns=%d total=%d ok=%d", &firstNS, &total, &ok); err != nil {
		t.Fatalf("child output %q: %v", out, err)
	}
	if total != n || ok != n {
		t.Errorf("total %d ok %d, want %d", total, ok, n)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	maxRSS := ru.Maxrss * 1024 // kilobytes on Linux
	t.Logf("%d rows: max RSS %.1f MB, first row after %v, all in %v (CPU %v user, %v system)", n, float64(maxRSS)/1e6,
		time.Duration(firstNS), elapsed.Round(time.Millisecond), time.Duration(ru.Utime.Nano()).Round(time.Millisecond), time.Duration(ru.Stime.Nano()).Round(time.Millisecond))
	if maxRSS > limit {
		t.Errorf("max RSS %s bytes, want under %d MB", strconv.FormatInt(maxRSS, 10), limit/1e6)
	}
	if first := time.Duration(firstNS); first <= 0 || first > 5*time.Second {
		t.Errorf("first row after %v, want well under a second (5 s allowed on a busy machine)", first)
	}
}
