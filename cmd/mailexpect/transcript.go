package main

import (
	"io"

	luabind "github.com/mailexpect/mailexpect/lua"
)

// setupTranscript wires -v and --log into cfg. It returns a function that
// flushes and closes the log file.
func setupTranscript(cfg *luabind.Config, o *options, stderr io.Writer) (func(), error) {
	// TODO(transcript): bind when runtime/transcript lands.
	return func() {}, nil
}
