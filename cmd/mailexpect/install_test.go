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
func TestGoInstallFromAModuleProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("builds mailexpect from a module proxy")
	}
	const module = "github.com/mailexpect/mailexpect"
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	// The go command treats a module version as immutable (it indexes the
	// module cache by path@version), so each tree gets a version of its
	// own: a pseudo-version whose revision is a hash of the zip.
	now := time.Now().UTC()
	sum := sha256.Sum256(moduleZip(t, root, module+"@v0.0.0"))
	version := fmt.Sprintf("v0.0.0-%s-%x", now.Format("20060102150405"), sum[:6])
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
	info := []byte(`{"Version":"` + version + `","Time":"` + now.Format(time.RFC3339) + `"}`)
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
	// The dependencies come from the module cache, which is a proxy
	// layout too, and stay where they are, so their compiled packages
	// are reused from the build cache. Only this module's pseudo-version
	// is added to the cache, and taken out before (a run that was
	// killed) and after.
	modcache := strings.TrimSpace(string(out))
	clean := func() {
		for _, d := range []string{
			filepath.Join(modcache, module+"@"+version),
			filepath.Join(modcache, "cache", "download", module),
		} {
			filepath.WalkDir(d, func(p string, _ os.DirEntry, err error) error {
				if err == nil {
					os.Chmod(p, 0o755) // module cache entries are read-only
				}
				return nil
			})
			os.RemoveAll(d)
			os.Remove(filepath.Dir(d)) // github.com/mailexpect, if now empty
		}
	}
	clean()
	t.Cleanup(clean)
	env := append(os.Environ(),
		"GOPROXY=file://"+filepath.ToSlash(proxy)+",file://"+filepath.ToSlash(filepath.Join(modcache, "cache", "download")),
		"GOBIN="+filepath.Join(tmp, "bin"),
		"GOFLAGS=-mod=mod", "GOSUMDB=off", "GONOSUMDB=", "GOPRIVATE=", "GOWORK=off", "GOTOOLCHAIN=local",
	)
	for _, v := range []string{version, "latest"} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
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
