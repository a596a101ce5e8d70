package onep

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// TestHelperProcess prints GOMAXPROCS as the process started with it,
// then after Release, and after a second Release; it is the test binary
// run again by TestStartsWithOneP with the environment under test.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("ONEP_HELPER") == "" {
		return
	}
	start := runtime.GOMAXPROCS(0)
	Release()
	released := runtime.GOMAXPROCS(0)
	Release()
	fmt.Printf("%d %d %d\n", start, released, runtime.GOMAXPROCS(0))
	os.Exit(0)
}

func helper(t *testing.T, gomaxprocs string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = []string{"ONEP_HELPER=1"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOMAXPROCS=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if gomaxprocs != "" {
		cmd.Env = append(cmd.Env, "GOMAXPROCS="+gomaxprocs)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper with GOMAXPROCS=%q: %v", gomaxprocs, err)
	}
	return strings.TrimSpace(string(out))
}

func TestStartsWithOneP(t *testing.T) {
	var start, released, again int
	if _, err := fmt.Sscan(helper(t, ""), &start, &released, &again); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "linux" {
		if start != released || start != again {
			t.Errorf("on %s: GOMAXPROCS %d, %d after Release, %d after another: want Go's default throughout", runtime.GOOS, start, released, again)
		}
		return
	}
	if start != 1 {
		t.Errorf("started with GOMAXPROCS %d, want 1", start)
	}
	// Go's default is the CPUs unless a cgroup limits them; the test
	// machines have more than one and no limit.
	if runtime.NumCPU() > 1 && released < 2 {
		t.Errorf("after Release: GOMAXPROCS %d, want Go's default (%d CPUs)", released, runtime.NumCPU())
	}
	if again != released {
		t.Errorf("a second Release changed GOMAXPROCS %d -> %d", released, again)
	}
}

func TestEnvironmentKept(t *testing.T) {
	if got := helper(t, "3"); got != "3 3 3" {
		t.Errorf("GOMAXPROCS=3 in the environment: got %q (start, after Release, after another), want 3 3 3", got)
	}
}
