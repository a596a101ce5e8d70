package promtext

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/mailexpect/mailexpect/internal/gcpolicy"
)

// GoMetrics are the Go runtime metrics of the official client's Go
// collector, with its names and help texts: garbage collection pauses,
// goroutines, threads, the memory statistics, GOGC, GOMEMLIMIT and
// GOMAXPROCS. They are read without runtime/metrics (whose package init
// every run would pay): GOGC from gcpolicy, which makes every change to it.
func GoMetrics() []Family {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var gc debug.GCStats
	gc.PauseQuantiles = make([]time.Duration, 5)
	debug.ReadGCStats(&gc)
	pauses := make([]Quantile, len(gc.PauseQuantiles))
	for i, p := range gc.PauseQuantiles {
		pauses[i] = Quantile{float64(i) / float64(len(gc.PauseQuantiles)-1), p.Seconds()}
	}
	threads, _ := runtime.ThreadCreateProfile(nil)
	fams := []Family{
		{Name: "go_gc_duration_seconds", Type: Summary, Help: "A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.",
			Metrics: []Metric{{Quantiles: pauses, Sum: gc.PauseTotal.Seconds(), Count: uint64(gc.NumGC)}}},
		gauge("go_gc_gogc_percent", "Heap size target percentage configured by the user, otherwise 100. This value is set by the GOGC environment variable, and the runtime/debug.SetGCPercent function. Sourced from /gc/gogc:percent.", float64(gcpolicy.Percent())),
		gauge("go_gc_gomemlimit_bytes", "Go runtime memory limit configured by the user, otherwise math.MaxInt64. This value is set by the GOMEMLIMIT environment variable, and the runtime/debug.SetMemoryLimit function. Sourced from /gc/gomemlimit:bytes.", float64(debug.SetMemoryLimit(-1))), // -1: read only
		gauge("go_goroutines", "Number of goroutines that currently exist.", float64(runtime.NumGoroutine())),
		{Name: "go_info", Type: Gauge, Help: "Information about the Go environment.",
			Metrics: []Metric{{Labels: []Label{{"version", runtime.Version()}}, Value: 1}}},
		gauge("go_memstats_alloc_bytes", "Number of bytes allocated in heap and currently in use. Equals to /memory/classes/heap/objects:bytes.", float64(ms.Alloc)),
		counter("go_memstats_alloc_bytes_total", "Total number of bytes allocated in heap until now, even if released already. Equals to /gc/heap/allocs:bytes.", float64(ms.TotalAlloc)),
		gauge("go_memstats_buck_hash_sys_bytes", "Number of bytes used by the profiling bucket hash table. Equals to /memory/classes/profiling/buckets:bytes.", float64(ms.BuckHashSys)),
		counter("go_memstats_frees_total", "Total number of heap objects frees. Equals to /gc/heap/frees:objects + /gc/heap/tiny/allocs:objects.", float64(ms.Frees)),
		gauge("go_memstats_gc_sys_bytes", "Number of bytes used for garbage collection system metadata. Equals to /memory/classes/metadata/other:bytes.", float64(ms.GCSys)),
		gauge("go_memstats_heap_alloc_bytes", "Number of heap bytes allocated and currently in use, same as go_memstats_alloc_bytes. Equals to /memory/classes/heap/objects:bytes.", float64(ms.HeapAlloc)),
		gauge("go_memstats_heap_idle_bytes", "Number of heap bytes waiting to be used. Equals to /memory/classes/heap/released:bytes + /memory/classes/heap/free:bytes.", float64(ms.HeapIdle)),
		gauge("go_memstats_heap_inuse_bytes", "Number of heap bytes that are in use. Equals to /memory/classes/heap/objects:bytes + /memory/classes/heap/unused:bytes", float64(ms.HeapInuse)),
		gauge("go_memstats_heap_objects", "Number of currently allocated objects. Equals to /gc/heap/objects:objects.", float64(ms.HeapObjects)),
		gauge("go_memstats_heap_released_bytes", "Number of heap bytes released to OS. Equals to /memory/classes/heap/released:bytes.", float64(ms.HeapReleased)),
		gauge("go_memstats_heap_sys_bytes", "Number of heap bytes obtained from system. Equals to /memory/classes/heap/objects:bytes + /memory/classes/heap/unused:bytes + /memory/classes/heap/released:bytes + /memory/classes/heap/free:bytes.", float64(ms.HeapSys)),
		gauge("go_memstats_last_gc_time_seconds", "Number of seconds since 1970 of last garbage collection.", float64(ms.LastGC)/1e9),
		counter("go_memstats_mallocs_total", "Total number of heap objects allocated, both live and gc-ed. Semantically a counter version for go_memstats_heap_objects gauge. Equals to /gc/heap/allocs:objects + /gc/heap/tiny/allocs:objects.", float64(ms.Mallocs)),
		gauge("go_memstats_mcache_inuse_bytes", "Number of bytes in use by mcache structures. Equals to /memory/classes/metadata/mcache/inuse:bytes.", float64(ms.MCacheInuse)),
		gauge("go_memstats_mcache_sys_bytes", "Number of bytes used for mcache structures obtained from system. Equals to /memory/classes/metadata/mcache/inuse:bytes + /memory/classes/metadata/mcache/free:bytes.", float64(ms.MCacheSys)),
		gauge("go_memstats_mspan_inuse_bytes", "Number of bytes in use by mspan structures. Equals to /memory/classes/metadata/mspan/inuse:bytes.", float64(ms.MSpanInuse)),
		gauge("go_memstats_mspan_sys_bytes", "Number of bytes used for mspan structures obtained from system. Equals to /memory/classes/metadata/mspan/inuse:bytes + /memory/classes/metadata/mspan/free:bytes.", float64(ms.MSpanSys)),
		gauge("go_memstats_next_gc_bytes", "Number of heap bytes when next garbage collection will take place. Equals to /gc/heap/goal:bytes.", float64(ms.NextGC)),
		gauge("go_memstats_other_sys_bytes", "Number of bytes used for other system allocations. Equals to /memory/classes/other:bytes.", float64(ms.OtherSys)),
		gauge("go_memstats_stack_inuse_bytes", "Number of bytes obtained from system for stack allocator in non-CGO environments. Equals to /memory/classes/heap/stacks:bytes.", float64(ms.StackInuse)),
		gauge("go_memstats_stack_sys_bytes", "Number of bytes obtained from system for stack allocator. Equals to /memory/classes/heap/stacks:bytes + /memory/classes/os-stacks:bytes.", float64(ms.StackSys)),
		gauge("go_memstats_sys_bytes", "Number of bytes obtained from system. Equals to /memory/classes/total:byte.", float64(ms.Sys)),
		gauge("go_sched_gomaxprocs_threads", "The current runtime.GOMAXPROCS setting, or the number of operating system threads that can execute user-level Go code simultaneously. Sourced from /sched/gomaxprocs:threads.", float64(runtime.GOMAXPROCS(0))),
		gauge("go_threads", "Number of OS threads created.", float64(threads)),
	}
	return fams
}

// ProcessMetrics are the official client's process metrics, read from
// /proc/self (Linux): CPU time, memory, file descriptors, start time and
// network bytes. A metric whose source cannot be read is left out.
func ProcessMetrics() []Family {
	var fams []Family
	if st, err := os.ReadFile("/proc/self/stat"); err == nil {
		// The fields after the command name, which is in parentheses
		// and may itself hold spaces and parentheses.
		if i := bytes.LastIndexByte(st, ')'); i >= 0 {
			f := strings.Fields(string(st[i+1:]))
			// f[0] is field 3 (state): utime is field 14, stime 15,
			// starttime 22, vsize 23, rss 24.
			num := func(field int) float64 {
				if field-3 >= len(f) {
					return math.NaN()
				}
				v, _ := strconv.ParseFloat(f[field-3], 64)
				return v
			}
			fams = append(fams,
				counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", (num(14)+num(15))/userHZ),
				gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", num(23)),
				gauge("process_resident_memory_bytes", "Resident memory size in bytes.", num(24)*float64(os.Getpagesize())))
			if boot, ok := bootTime(); ok {
				fams = append(fams, gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", boot+num(22)/userHZ))
			}
		}
	}
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		fams = append(fams, gauge("process_open_fds", "Number of open file descriptors.", float64(len(ents))))
	}
	if lim, err := os.ReadFile("/proc/self/limits"); err == nil {
		if v, ok := limit(lim, "Max open files"); ok {
			fams = append(fams, gauge("process_max_fds", "Maximum number of open file descriptors.", v))
		}
		if v, ok := limit(lim, "Max address space"); ok {
			fams = append(fams, gauge("process_virtual_memory_max_bytes", "Maximum amount of virtual memory available in bytes.", v))
		}
	}
	if in, out, ok := netOctets(); ok {
		fams = append(fams,
			counter("process_network_receive_bytes_total", "Number of bytes received by the process over the network.", in),
			counter("process_network_transmit_bytes_total", "Number of bytes sent by the process over the network.", out))
	}
	return fams
}

// userHZ is the unit of the CPU times in /proc (USER_HZ, 100 on every
// Linux architecture Go supports).
const userHZ = 100

// bootTime is the btime line of /proc/stat: the boot time, epoch seconds.
func bootTime() (float64, bool) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "btime "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f, err == nil
		}
	}
	return 0, false
}

// limit reads the soft limit of the row name of /proc/self/limits;
// "unlimited" is the largest uint64, as the official client reports it.
func limit(data []byte, name string) (float64, bool) {
	for _, line := range strings.Split(string(data), "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0, false
		}
		if f[0] == "unlimited" {
			return float64(math.MaxUint64), true
		}
		v, err := strconv.ParseFloat(f[0], 64)
		return v, err == nil
	}
	return 0, false
}

// netOctets are InOctets and OutOctets of the IpExt lines of
// /proc/self/net/netstat (a header line of names, then one of values).
func netOctets() (in, out float64, ok bool) {
	data, err := os.ReadFile("/proc/self/net/netstat")
	if err != nil {
		return 0, 0, false
	}
	lines := strings.Split(string(data), "\n")
	for i := 0; i+1 < len(lines); i++ {
		names, ok1 := strings.CutPrefix(lines[i], "IpExt:")
		values, ok2 := strings.CutPrefix(lines[i+1], "IpExt:")
		if !ok1 || !ok2 {
			continue
		}
		n, v := strings.Fields(names), strings.Fields(values)
		var gotIn, gotOut bool
		for j := 0; j < len(n) && j < len(v); j++ {
			switch n[j] {
			case "InOctets":
				in, _ = strconv.ParseFloat(v[j], 64)
				gotIn = true
			case "OutOctets":
				out, _ = strconv.ParseFloat(v[j], 64)
				gotOut = true
			}
		}
		return in, out, gotIn && gotOut
	}
	return 0, 0, false
}

func gauge(name, help string, v float64) Family {
	return Family{Name: name, Help: help, Type: Gauge, Metrics: []Metric{{Value: v}}}
}

func counter(name, help string, v float64) Family {
	return Family{Name: name, Help: help, Type: Counter, Metrics: []Metric{{Value: v}}}
}
