package luabind

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestPartialFile: a file = target appears only complete; a failed read
// leaves neither PATH nor PATH.partial; a directory is refused before
// anything is read.
func TestPartialFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "msg.eml")

	f, err := createPartial(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("whole"))
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("PATH exists while the body is being read: %v", err)
	}
	if err := f.finish(nil); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "whole" {
		t.Errorf("PATH = %q, %v", b, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}

	f, err = createPartial(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("cut sh"))
	cut := errors.New("connection closed")
	if err := f.finish(cut); err != cut {
		t.Errorf("finish returned %v, want the read's error", err)
	}
	for _, p := range []string{path, path + ".partial"} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s left after a failed read", filepath.Base(p))
		}
	}

	if _, err := createPartial(dir); err == nil {
		t.Error("a directory was accepted as the file")
	}
	if _, err := os.Stat(dir + ".partial"); !os.IsNotExist(err) {
		t.Error("a .partial was created next to the directory")
	}
}
