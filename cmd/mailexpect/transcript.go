package main

import (
	"io"
	"os"

	luabind "github.com/mailexpect/mailexpect/luabind"
	"github.com/mailexpect/mailexpect/runtime/interact"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// setupTranscript wires -v (text on stderr) and --log FILE (created 0600,
// text or json) into cfg, with one secrets registry shared by the
// transcript and the run. The returned function closes the log file.
func setupTranscript(cfg *luabind.Config, o *options, stderr io.Writer) (func(), error) {
	secrets := transcript.NewSecrets()
	cfg.Secrets = secrets
	cfg.Verbose = o.verbose
	var log *transcript.Log
	if o.verbose {
		// On a terminal, through an open interact's line editor (connect,
		// s:interact), so the transcript does not tear the typed line.
		log = transcript.New(interact.AboveLine(stderr), transcript.Text, secrets)
	}
	closeFn := func() {}
	if o.logFile != "" {
		format, err := transcript.ParseFormat(o.logFormat)
		if err != nil {
			return nil, usageErr("", "%v", err)
		}
		f, err := os.OpenFile(o.logFile, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return nil, usageErr("", "--log: %v", unwrapPath(err))
		}
		// An existing file keeps its mode on open; a transcript may hold
		// addresses and server data, so tighten it.
		f.Chmod(0o600)
		if log == nil {
			log = transcript.New(f, format, secrets)
		} else {
			log.AddOutput(f, format)
		}
		closeFn = func() {
			if err := log.Err(); err != nil {
				printError(stderr, usageErr("", "writing the transcript: %v", err))
			}
			f.Close()
		}
	}
	cfg.Transcript = log
	return closeFn, nil
}
