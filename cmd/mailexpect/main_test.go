package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStartupDependencies: packages whose initialisation is heavy stay
// out of the binary, whose every run pays for every linked package's
// init. The Prometheus client (and the protobuf runtime it brings) is a
// test-only reference for internal/promtext (README, Dependencies).
func TestStartupDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list returned too little to be a real answer: %q", deps)
	}
	for _, d := range deps {
		for _, heavy := range []string{"github.com/prometheus/", "google.golang.org/protobuf/"} {
			if strings.HasPrefix(d, heavy) {
				t.Errorf("mailexpect links %s: its package init would run at every start", d)
			}
		}
	}
}
