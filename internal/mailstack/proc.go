package mailstack

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// A proc identifies one process: a pid together with its start time, so
// that a recycled pid is never mistaken for a process of the stack (pids
// are reused fast, and Postfix never removes its master.pid).
type proc struct {
	pid   int
	ppid  int
	start uint64 // clock ticks after boot, field 22 of /proc/PID/stat
	state byte   // R, S, D, Z, ...
	comm  string
}

func (p proc) String() string { return fmt.Sprintf("%d (%s)", p.pid, p.comm) }

// readProc parses /proc/PID/stat.
func readProc(pid int) (proc, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return proc{}, err
	}
	// "pid (comm) state ppid ...": comm may contain spaces and parentheses,
	// so split at the last ')'.
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return proc{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 20 {
		return proc{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	ppid, err1 := strconv.Atoi(f[1])
	start, err2 := strconv.ParseUint(f[19], 10, 64)
	if err1 != nil || err2 != nil || len(f[0]) != 1 {
		return proc{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return proc{pid: pid, ppid: ppid, start: start, state: f[0][0], comm: string(b[open+1 : end])}, nil
}

// alive reports whether p still runs: same pid, same start time, and not
// a zombie (a zombie has exited; only its parent's wait is missing, and
// daemons' parents are init, which we do not control).
func (p proc) alive() bool {
	q, err := readProc(p.pid)
	return err == nil && q.start == p.start && q.state != 'Z' && q.state != 'X'
}

// allProcs lists every process on the host.
func allProcs() []proc {
	ents, _ := os.ReadDir("/proc")
	var ps []proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, err := readProc(pid); err == nil {
			ps = append(ps, p)
		}
	}
	return ps
}

// stackProcs returns the live processes that belong to the stack in dir:
// the given masters, all their descendants, and any Dovecot or Postfix
// process whose working directory or root (Dovecot's login processes
// chroot) lies inside dir, which also catches a process that lost its
// parent. The last rule checks the executable, so that a shell someone
// opened in the state dir to read the logs is left alone.
func stackProcs(dir string, masters ...proc) []proc {
	all := allProcs()
	children := make(map[int][]proc)
	for _, p := range all {
		children[p.ppid] = append(children[p.ppid], p)
	}
	seen := make(map[int]bool)
	var out []proc
	var add func(p proc)
	add = func(p proc) {
		if seen[p.pid] || p.state == 'Z' || p.state == 'X' {
			return
		}
		seen[p.pid] = true
		out = append(out, p)
		for _, c := range children[p.pid] {
			add(c)
		}
	}
	for _, m := range masters {
		if m.alive() {
			for _, p := range all {
				if p.pid == m.pid {
					add(p)
				}
			}
		}
	}
	for _, p := range all {
		if (inDir(p.pid, "cwd", dir) || inDir(p.pid, "root", dir)) && serverExe(p.pid) {
			add(p)
		}
	}
	return out
}

// inDir reports whether the /proc/PID/<link> (cwd or root) is dir or lies below it.
func inDir(pid int, link, dir string) bool {
	t, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), link))
	return err == nil && (t == dir || strings.HasPrefix(t, dir+"/"))
}

// serverExe reports whether the process runs a Dovecot or Postfix binary.
func serverExe(pid int) bool {
	exe, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "exe"))
	if err != nil {
		return false
	}
	for _, prefix := range []string{"/usr/sbin/dovecot", "/usr/lib/dovecot/", "/usr/sbin/postfix", "/usr/lib/postfix/"} {
		if strings.HasPrefix(exe, prefix) {
			return true
		}
	}
	return false
}

// signal sends sig to p if p is still the same process.
func (p proc) signal(sig syscall.Signal) {
	if p.alive() {
		syscall.Kill(p.pid, sig)
	}
}

// masterFromPidFile returns the master whose pid is in file, if that
// process runs with its working directory in wantCwd (both masters chdir
// there), so a stale pid file or a recycled pid is never trusted.
func masterFromPidFile(file, wantCwd string) (proc, bool) {
	b, err := os.ReadFile(file)
	if err != nil {
		return proc{}, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b))) // Postfix pads with spaces
	if err != nil || pid <= 0 {
		return proc{}, false
	}
	p, err := readProc(pid)
	if err != nil || p.state == 'Z' {
		return proc{}, false
	}
	if cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid)); err != nil || cwd != wantCwd {
		return proc{}, false
	}
	return p, true
}
