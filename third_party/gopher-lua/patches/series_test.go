// Package patches checks that the gopher-lua fork in the directory above
// is pristine v1.1.2 plus the patch files here, and that its generated
// files are what upstream's generator makes of their sources. See
// ../PATCHES.md ("Maintaining the fork").
package patches

import (
	"bytes"
	"encoding/json"
	"go/format"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const upstream = "github.com/yuin/gopher-lua@v1.1.2"

// forkDir is the fork's root, the parent of this package.
const forkDir = ".."

// pristine returns a writable copy of v1.1.2 as the Go module proxy
// serves it (go mod download: the module cache, checked against go.sum's
// database like any dependency).
func pristine(t *testing.T) string {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", upstream)
	cmd.Dir = t.TempDir() // outside mailexpect's module: no go.mod to consult
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go mod download %s: %v\n%s", upstream, err, out)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		t.Fatalf("go mod download %s: %v %s\n%s", upstream, err, info.Error, out)
	}
	dst := filepath.Join(t.TempDir(), "gopher-lua")
	if err := os.CopyFS(dst, os.DirFS(info.Dir)); err != nil {
		t.Fatal(err)
	}
	// The module cache is read-only; git apply must write.
	filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err == nil {
			mode := os.FileMode(0o644)
			if d.IsDir() {
				mode = 0o755
			}
			os.Chmod(p, mode)
		}
		return err
	})
	return dst
}

// files maps each file under root, slash-separated, to its content,
// without what skip says to leave out.
func files(t *testing.T, root string, skip func(rel string, dir bool) bool) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel != "." && skip(rel, d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		m[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSeriesYieldsTheFork applies every patch file here, in order, to
// pristine v1.1.2 and compares the result with the fork, file by file.
// PATCHES.md and this directory are mailexpect's notes, not the fork.
func TestSeriesYieldsTheFork(t *testing.T) {
	dir := pristine(t)
	series, _ := filepath.Glob("[0-9][0-9][0-9][0-9]-*.patch")
	sort.Strings(series)
	if len(series) == 0 {
		t.Fatal("no NNNN-*.patch files")
	}
	for _, p := range series {
		abs, _ := filepath.Abs(p)
		cmd := exec.Command("git", "apply", "--whitespace=nowarn", abs)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s does not apply after the ones before it: %v\n%s", p, err, out)
		}
	}
	got := files(t, dir, func(string, bool) bool { return false })
	want := files(t, forkDir, func(rel string, dir bool) bool {
		return rel == "PATCHES.md" || rel == "patches"
	})
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s is in the fork but no patch adds it", name)
		case !bytes.Equal(g, w):
			t.Errorf("%s differs from v1.1.2 + the patches: change it through a patch (PATCHES.md)", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: v1.1.2 + the patches have it, the fork does not", name)
		}
	}
}

// TestGeneratedFilesAreUpToDate runs upstream's generator, as its
// Makefile does (_tools/go-inline *.go, then gofmt), on a copy of the
// fork and compares vm.go and state.go with what it writes: patch _vm.go
// and _state.go, then regenerate, never the other way round.
func TestGeneratedFilesAreUpToDate(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 runs gopher-lua's _tools/go-inline (Debian: apt-get install python3; .ci/install-servers does)")
	}
	dir := t.TempDir()
	srcs, _ := filepath.Glob(filepath.Join(forkDir, "*.go"))
	var args []string
	for _, p := range srcs {
		name := filepath.Base(p)
		if name == "vm.go" || name == "state.go" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
		args = append(args, name)
	}
	sort.Strings(args)
	cmd := exec.Command(python, append([]string{filepath.Join(mustAbs(t, forkDir), "_tools", "go-inline")}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go-inline: %v\n%s", err, out)
	}
	for _, name := range []string{"vm.go", "state.go"} {
		gen, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("go-inline did not write %s: %v", name, err)
		}
		gen, err = format.Source(gen)
		if err != nil {
			t.Fatalf("generated %s: %v", name, err)
		}
		have, _ := os.ReadFile(filepath.Join(forkDir, name))
		if !bytes.Equal(gen, have) {
			t.Errorf("%s is not what _tools/go-inline makes of _%s: edit _%s and regenerate (make -C third_party/gopher-lua build)\n%s",
				name, name, name, firstDiff(have, gen))
		}
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// firstDiff shows the first line where have and gen differ.
func firstDiff(have, gen []byte) string {
	h, g := strings.Split(string(have), "\n"), strings.Split(string(gen), "\n")
	for i := 0; i < len(h) || i < len(g); i++ {
		var a, b string
		if i < len(h) {
			a = h[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n  file:      " + a + "\n  generated: " + b
		}
	}
	return ""
}
