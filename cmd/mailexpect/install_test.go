package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGoInstallFromAModuleProxy checks the README's install line the way
// a user runs it: `go install github.com/mailexpect/mailexpect/cmd/mailexpect@VERSION`
// against a module proxy. The proxy is a directory (GOPROXY=file://...)
// holding this tree, as git tracks it, at a pseudo-version; the
// dependencies come from the local module cache, which is a proxy layout
// too. A replace directive in go.mod, or a file a module zip may not
// hold, makes go install fail here as it would for users.
//
// The install writes into a module cache of its own (GOMODCACHE in the
// test's directory): the real one is only read, as a proxy, so two runs at
// once (two worktrees, CI beside a developer) cannot take each other's
// pseudo-version away, and a killed run leaves nothing behind. -trimpath
// keeps the compiled packages independent of where that cache is, so the
// build cache serves them from the second run on.
func TestGoInstallFromAModuleProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("builds mailexpect from a module proxy")
	}
	const module = "github.com/mailexpect/mailexpect"
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	// The go command treats a module version as immutable, so each tree
	// gets a version of its own: a pseudo-version whose revision is a
	// hash of the zip. Its time is fixed, so the same tree is the same
	// version (and the build cache knows it).
	sum := sha256.Sum256(moduleZip(t, root, module+"@v0.0.0"))
	stamp := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	version := fmt.Sprintf("v0.0.0-%s-%x", stamp.Format("20060102150405"), sum[:6])
	tmp := t.TempDir()
	proxy := filepath.Join(tmp, "proxy")
	at := filepath.Join(proxy, module, "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	goMod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	info := []byte(`{"Version":"` + version + `","Time":"` + stamp.Format(time.RFC3339) + `"}`)
	for name, b := range map[string][]byte{
		version + ".info": info,
		version + ".mod":  goMod,
		version + ".zip":  moduleZip(t, root, module+"@"+version),
		"list":            nil,
	} {
		if err := os.WriteFile(filepath.Join(at, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(proxy, module, "@latest"), info, 0o644)

	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	modcache := strings.TrimSpace(string(out))
	env := append(os.Environ(),
		"GOPROXY=file://"+filepath.ToSlash(proxy)+",file://"+filepath.ToSlash(filepath.Join(modcache, "cache", "download")),
		"GOMODCACHE="+filepath.Join(tmp, "modcache"),
		"GOBIN="+filepath.Join(tmp, "bin"),
		// -modcacherw: t.TempDir can remove the private cache afterwards.
		"GOFLAGS=-mod=mod -modcacherw -trimpath", "GOSUMDB=off", "GONOSUMDB=", "GOPRIVATE=", "GOWORK=off", "GOTOOLCHAIN=local",
	)
	for _, v := range []string{version, "latest"} {
		// Cold (a new machine: the dependencies compiled once with
		// -trimpath) about 30 s of CPU, 2 min on a loaded machine.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		start := time.Now()
		cmd := exec.CommandContext(ctx, "go", "install", module+"/cmd/mailexpect@"+v)
		cmd.Dir = tmp // outside this module, as for a user
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("go install ...@%s: %v\n%s", v, err, out)
		}
		t.Logf("go install ...@%s: %v", v, time.Since(start).Round(time.Millisecond))
		got, err := exec.Command(filepath.Join(tmp, "bin", "mailexpect"), "-e", "print(1)").CombinedOutput()
		if err != nil || string(got) != "1\n" {
			t.Fatalf("installed mailexpect -e 'print(1)': %q, %v", got, err)
		}
		os.Remove(filepath.Join(tmp, "bin", "mailexpect"))
	}
	for _, d := range []string{filepath.Join(modcache, module+"@"+version), filepath.Join(modcache, "cache", "download", module, "@v", version+".zip")} {
		if _, err := os.Stat(d); err == nil {
			t.Errorf("the install wrote %s into the real module cache", d)
		}
	}
}

// moduleZip is the module zip of the files git tracks under root, as
// `go mod download` would serve it (golang.org/x/mod/zip's layout: every
// path under prefix/, without nested modules).
func moduleZip(t *testing.T, root, prefix string) []byte {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	names := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	nested := map[string]bool{} // directories with a go.mod of their own
	for _, n := range names {
		if d := filepath.Dir(n); filepath.Base(n) == "go.mod" && d != "." {
			nested[d] = true
		}
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
next:
	for _, n := range names {
		for d := n; d != "."; {
			d = filepath.Dir(d)
			if nested[d] {
				continue next
			}
		}
		fi, err := os.Lstat(filepath.Join(root, n))
		if err != nil || !fi.Mode().IsRegular() {
			continue // deleted in the work tree, or a symlink (zips hold neither)
		}
		b, err := os.ReadFile(filepath.Join(root, n))
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(prefix + "/" + filepath.ToSlash(n))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
