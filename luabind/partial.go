package luabind

import (
	"os"
	"syscall"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// partialFile is a file = target being written: the bytes go to
// PATH.partial (created 0600: mail is private), which becomes PATH only
// when the whole body or literal has arrived. A read cut short (EOF,
// timeout, a body over its bound) removes the .partial and any earlier
// PATH: after a failed read no file is there to pass for the message
// (a script that goes on after the error must not read an older one).
// A process killed mid-read leaves only the clearly named .partial.
type partialFile struct {
	*os.File
	path string
}

func createPartial(path string) (*partialFile, error) {
	// Fail before anything is read when PATH could never be the result.
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, &os.PathError{Op: "open", Path: path, Err: syscall.EISDIR}
	}
	f, err := os.OpenFile(path+".partial", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	return &partialFile{File: f, path: path}, nil
}

// finish closes the file, renames it into place when err is nil and
// removes it otherwise. It returns err, or the error of the close or
// rename (kind usage).
func (f *partialFile) finish(err error) error {
	cerr := f.File.Close()
	if err == nil && cerr != nil {
		err = failure.Wrap(failure.Usage, cerr, "closing %s", f.Name())
	}
	if err == nil {
		if rerr := os.Rename(f.Name(), f.path); rerr != nil {
			err = failure.Wrap(failure.Usage, rerr, "renaming %s into place", f.Name())
		}
	}
	if err != nil {
		os.Remove(f.Name())
		os.Remove(f.path)
	}
	return err
}
