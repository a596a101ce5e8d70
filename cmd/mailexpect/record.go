package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailexpect/mailexpect/internal/pki"
	luabind "github.com/mailexpect/mailexpect/luabind"
	"github.com/mailexpect/mailexpect/runtime/recording"
)

// sandboxEnvNames are the variables --sandbox sets, which a recording
// made under it keeps (the password as ***) and replay sets again.
var sandboxEnvNames = []string{"MAILEXPECT_SMTP", "MAILEXPECT_POP3", "MAILEXPECT_IMAP", "MAILEXPECT_USER", "MAILEXPECT_PASS", "MAILEXPECT_CA_FILE"}

// replayedSecret is what a recorded *** becomes in the environment of a
// replay (MAILEXPECT_PASS): any value matches *** in the recording, and
// this one is registered as a secret like the real one was.
const replayedSecret = "replayed-secret"

func checkRecordFlags(o *options) error {
	if (o.replayd || o.testCmd) && (o.record != "" || o.replay != "") {
		return usageErr("mailexpect test --sandbox --record DIR records each test; mailexpect replay FILE names its file",
			"--record and --replay are for a run; the replay and test subcommands take their files as arguments")
	}
	if o.replay != "" && o.sandbox {
		return usageErr("record with --sandbox --record FILE, then replay with --replay FILE alone",
			"--replay serves the recorded sessions; --sandbox starts a server: give one of them")
	}
	if o.record != "" && o.record == o.replay {
		return usageErr("", "--record and --replay name the same file %s", o.record)
	}
	return nil
}

// setupRecordReplay opens --record and --replay for the run described by
// cfg. It returns the cleanup: the recording's file closed (an error is
// printed), the environment put back.
func setupRecordReplay(cfg *luabind.Config, o *options, stderr io.Writer) (stop func(), err error) {
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	if o.replay != "" {
		rp, err := recording.Open(o.replay, cfg.Secrets)
		if err != nil {
			return nil, usageErr("a recording is made with --record FILE; its format: docs/record-replay.md", "--replay: %v", unwrapPath(err))
		}
		restore, err := replayEnv(cfg, rp.Recording())
		if err != nil {
			return nil, err
		}
		stops = append(stops, restore, func() {
			// Not an error: a script may skip a step on purpose. But a
			// test that passes because the script stopped early says so.
			if o.quiet {
				return
			}
			for _, l := range rp.Leftovers() {
				fmt.Fprintf(stderr, "warning: replay: %s\n", l)
			}
		})
		cfg.Replay = rp
	}
	if o.record != "" {
		w, err := recording.Create(o.record, cfg.Secrets)
		if err != nil {
			stop()
			return nil, usageErr("", "--record: %v", unwrapPath(err))
		}
		if o.sandbox {
			// The sandbox's passwords are secrets in the recording even
			// when a script reads them from the sandbox global.
			env, users := sandboxRecord(cfg)
			w.Sandbox(env, users)
		}
		cfg.Record = w
		stops = append(stops, func() {
			if err := w.Close(); err != nil {
				printError(stderr, usageErr("", "--record %s: %v", o.record, err))
			}
		})
	}
	return stop, nil
}

// sandboxRecord registers the sandbox users' passwords as secrets and
// returns what a recording keeps of the sandbox: its variables and users.
func sandboxRecord(cfg *luabind.Config) (env []string, users [][2]string) {
	sb, _ := cfg.ReadOnly["sandbox"].(map[string]any)
	list, _ := sb["users"].([]any)
	for _, u := range list {
		m, _ := u.(map[string]any)
		if pass, _ := m["pass"].(string); pass != "" {
			cfg.Secrets.Add(pass)
		}
		name, _ := m["user"].(string)
		addr, _ := m["address"].(string)
		users = append(users, [2]string{name, addr})
	}
	for _, name := range sandboxEnvNames {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	return env, users
}

// replayEnv sets the environment a sandbox recording was made with, so
// the script connects to the recorded addresses; a masked value becomes
// replayedSecret, and MAILEXPECT_CA_FILE a fresh CA file (nothing is
// verified in a replay, but a script may read the file). A recording
// of a sandbox run also brings back the global sandbox.
func replayEnv(cfg *luabind.Config, rec *recording.Recording) (restore func(), err error) {
	if len(rec.Env) == 0 {
		return func() {}, nil
	}
	var pairs []string
	caFile := ""
	cleanup := func() {}
	for _, kv := range rec.Env {
		name, value, _ := strings.Cut(kv, "=")
		switch {
		case name == "MAILEXPECT_CA_FILE":
			dir, err := os.MkdirTemp("", "mailexpect-replay-")
			if err != nil {
				return nil, err
			}
			cleanup = func() { os.RemoveAll(dir) }
			ca, err := pki.NewCA(pki.Name{CommonName: "mailexpect replay CA"}, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
			if err != nil {
				cleanup()
				return nil, err
			}
			caFile = filepath.Join(dir, "ca.pem")
			if err := os.WriteFile(caFile, ca.PEM(), 0o600); err != nil {
				cleanup()
				return nil, err
			}
			value = caFile
		case strings.Contains(value, recording.Placeholder):
			value = strings.ReplaceAll(value, recording.Placeholder, replayedSecret)
			cfg.Secrets.Add(replayedSecret)
		}
		pairs = append(pairs, name+"="+value)
	}
	if len(rec.Users) > 0 {
		var users []any
		for _, u := range rec.Users {
			users = append(users, map[string]any{"user": u[0], "pass": replayedSecret, "address": u[1]})
		}
		cfg.Secrets.Add(replayedSecret)
		env := map[string]string{}
		for _, kv := range pairs {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		if cfg.ReadOnly == nil {
			cfg.ReadOnly = map[string]any{}
		}
		cfg.ReadOnly["sandbox"] = map[string]any{
			"smtp": env["MAILEXPECT_SMTP"], "pop3": env["MAILEXPECT_POP3"], "imap": env["MAILEXPECT_IMAP"],
			"ca_file": caFile, "users": users,
		}
	}
	undo := setEnv(pairs)
	return func() { undo(); cleanup() }, nil
}
