package runner

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Sample is one measured execution of a client.
type Sample struct {
	Wall     time.Duration
	CPU      time.Duration // user + sys of the client process (and any children it waited for)
	MaxRSS   int64         // peak resident set, bytes (wait4's ru_maxrss)
	TimedOut bool
	Exited   bool  // the process exited 0 within the cap
	Err      error // the process failed, or the check found the work not done
}

// gnuTime is GNU time, when installed. It measures the peak RSS: a child
// forked by the runner inherits the runner's resident pages until it
// execs, and Linux carries that high-water mark over exec into ru_maxrss
// (exec_mmap: setmax_mm_hiwater_rss), so wait4 on a direct child reports
// at least the runner's own RSS, which holds the load server's data.
// GNU time is a small process: the client forked from it starts from
// about 1 MiB.
var gnuTime = findGNUTime()

func findGNUTime() string {
	if _, err := os.Stat("/usr/bin/time"); err == nil {
		if exec.Command("/usr/bin/time", "-q", "-f", "%M", "-o", os.DevNull, "true").Run() == nil {
			return "/usr/bin/time"
		}
	}
	return ""
}

// measure runs argv with the cap as a timeout and returns what wait4
// reported (CPU: user+sys of the process and the children it waited
// for) and, through GNU time when installed, the client's own peak RSS.
// stdout and stderr are captured.
func measure(ctx context.Context, argv []string, dir string, env []string, limit time.Duration) (Sample, string, string) {
	return measureWith(ctx, argv, dir, env, limit, gnuTime)
}

func measureWith(ctx context.Context, argv []string, dir string, env []string, limit time.Duration, timeBin string) (Sample, string, string) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var rssFile string
	if timeBin != "" {
		f, err := os.CreateTemp("", "bench-rss-")
		if err == nil {
			rssFile = f.Name()
			f.Close()
			defer os.Remove(rssFile)
			argv = append([]string{timeBin, "-q", "-f", "%M", "-o", rssFile}, argv...)
		}
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = env
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A process group, so a timeout also stops anything the client started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	err := cmd.Start()
	if err != nil {
		return Sample{Err: err}, "", ""
	}
	err = cmd.Wait()
	r := Sample{Wall: time.Since(start)}
	if ps := cmd.ProcessState; ps != nil {
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			r.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			r.MaxRSS = ru.Maxrss * 1024
		}
	}
	if rssFile != "" {
		b, _ := os.ReadFile(rssFile)
		// The file ends with the "%M" line; a failing command adds a
		// "Command exited with non-zero status" line before it.
		f := strings.Fields(string(b))
		r.MaxRSS = 0
		if len(f) > 0 {
			if kib, err := strconv.ParseInt(f[len(f)-1], 10, 64); err == nil {
				r.MaxRSS = kib * 1024
			}
		}
	}
	if ctx.Err() == context.DeadlineExceeded {
		r.TimedOut = true
		r.Err = errors.New("over the time cap")
	} else if err != nil {
		r.Err = err
	} else {
		r.Exited = true
	}
	return r, stdout.String(), stderr.String()
}

// medianDur returns the median of ds (the mean of the middle two for an
// even count).
func medianDur(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func medianInt(xs []int64) int64 {
	ds := make([]time.Duration, len(xs))
	for i, x := range xs {
		ds[i] = time.Duration(x)
	}
	return int64(medianDur(ds))
}
