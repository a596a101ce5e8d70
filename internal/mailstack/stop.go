package mailstack

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Stop stops both servers and removes Dir. It sends SIGTERM to both
// masters at once (they stop their own children; Dovecot's master takes
// about 2 s), waits up to 10 s, then sends SIGKILL, by pid, to whatever of
// the stack is left. It returns an error, and keeps Dir for its logs, if a
// process of the stack survived. Stop is safe to call more than once.
func (s *Stack) Stop() error {
	s.stopOnce.Do(func() {
		err := s.stopServers()
		unregister(s)
		if err != nil {
			s.stopErr = fmt.Errorf("%w (state dir kept: %s)", err, s.Dir)
			return
		}
		if err := os.RemoveAll(s.Dir); err != nil {
			s.stopErr = fmt.Errorf("mailstack: remove state dir: %w", err)
		}
	})
	return s.stopErr
}

// stopServers stops every process of the stack and verifies that none is
// left.
func (s *Stack) stopServers() error {
	return stopDir(s.Dir, s.dovecot, s.postfix)
}

// stopDir stops the stack in dir. A process belongs to it if it descends
// from one of the masters or works inside dir (see stackProcs); each is
// known by pid and start time, so a recycled pid is never signalled.
//
// SIGTERM goes to both masters, then every 100 ms to every process of the
// stack still there. Repeating it matters: a child that a master had forked
// but not yet exec'd when the master's own SIGTERM came misses it, and
// Dovecot's master then waits 5 s before it kills that child. With the
// repeats a stack stops in 0.1–1.1 s (Postfix's master lingers about a
// second). After 10 s, SIGKILL.
func stopDir(dir string, masters ...proc) error {
	procs := stackProcs(dir, masters...)
	for _, m := range masters {
		m.signal(syscall.SIGTERM)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		procs = alive(append(procs, stackProcs(dir)...))
		if len(procs) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
		for _, p := range procs {
			p.signal(syscall.SIGTERM)
		}
	}
	for range 20 {
		for _, p := range procs {
			p.signal(syscall.SIGKILL)
		}
		time.Sleep(100 * time.Millisecond)
		procs = alive(append(procs, stackProcs(dir)...))
		if len(procs) == 0 {
			return nil
		}
	}
	return fmt.Errorf("mailstack: processes of %s still running after SIGTERM and SIGKILL: %v", dir, procs)
}

func alive(ps []proc) []proc {
	var out []proc
	seen := make(map[int]bool)
	for _, p := range ps {
		if !seen[p.pid] && p.alive() {
			seen[p.pid] = true
			out = append(out, p)
		}
	}
	return out
}

// live holds the stacks that are running in this process, so that Main
// can stop them when the test binary is interrupted.
var live = struct {
	sync.Mutex
	m map[*Stack]bool
}{m: make(map[*Stack]bool)}

func register(s *Stack) {
	live.Lock()
	defer live.Unlock()
	live.m[s] = true
}

func unregister(s *Stack) {
	live.Lock()
	defer live.Unlock()
	delete(live.m, s)
}

func liveStacks() []*Stack {
	live.Lock()
	defer live.Unlock()
	var stacks []*Stack
	for s := range live.m {
		stacks = append(stacks, s)
	}
	return stacks
}

// stopAll stops every running stack of this process, in parallel (each
// Dovecot takes about 2 s to stop).
func stopAll() error {
	stacks := liveStacks()
	errs := make([]error, len(stacks))
	var wg sync.WaitGroup
	for i, s := range stacks {
		wg.Go(func() { errs[i] = s.Stop() })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// reapStale stops and removes the stacks of test processes that died
// without stopping them (a test binary killed by -timeout or SIGKILL
// leaves both servers running). A state dir records its owner's pid and
// start time; only dirs whose owner is gone are touched.
func reapStale() {
	base := os.TempDir()
	if b, err := filepath.EvalSymlinks(base); err == nil {
		base = b
	}
	bases := []string{base}
	if base != "/tmp" {
		bases = append(bases, "/tmp") // makeStateDir's fallback
	}
	for _, b := range bases {
		dirs, _ := filepath.Glob(filepath.Join(b, "mailstack-*"))
		for _, dir := range dirs {
			data, err := os.ReadFile(filepath.Join(dir, "owner"))
			if err != nil {
				continue // not ours, or being created right now
			}
			f := strings.Fields(string(data))
			if len(f) != 2 {
				continue
			}
			pid, _ := strconv.Atoi(f[0])
			start, _ := strconv.ParseUint(f[1], 10, 64)
			if (proc{pid: pid, start: start}).alive() {
				continue
			}
			dovecot, _ := masterFromPidFile(filepath.Join(dir, "dovecot", "run", "master.pid"), filepath.Join(dir, "dovecot", "run"))
			postfix, _ := masterFromPidFile(filepath.Join(dir, "postfix", "spool", "pid", "master.pid"), filepath.Join(dir, "postfix", "spool"))
			if stopDir(dir, dovecot, postfix) == nil {
				os.RemoveAll(dir)
			}
		}
	}
}
