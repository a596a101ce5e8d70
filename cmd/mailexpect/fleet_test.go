package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEachStdinInterrupted: rows on stdin from a pipe that never ends:
// --max-time stops the run although no line is coming; the total is "?".
func TestEachStdinInterrupted(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	go io.WriteString(pw, "user,pass\nann,pw-ann-1\n") // and then nothing, never EOF
	script := writeScript(t, "s.lua", "print(row.user)\n")
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := run([]string{"--each", "-", "--max-time", "0.5", script}, pr, &stdout, &stderr)
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("took %v after a --max-time of 0.5 s", el)
	}
	if code != 1 || !strings.Contains(stdout.String(), "ann") {
		t.Fatalf("exit %d, stdout %q\n%s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{"1/? done", "the rest of the input not read"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

// TestEachSyntaxErrorLater: a broken line far into the file stops the run
// (exit 2, the line named); the rows before it ran.
func TestEachSyntaxErrorLater(t *testing.T) {
	var rows strings.Builder
	rows.WriteString("user,pass\n")
	for i := range 3000 {
		fmt.Fprintf(&rows, "u%d,pw\n", i)
	}
	rows.WriteString("broken,line,extra\n")
	file := rowsFile(t, "rows.csv", rows.String())
	script := writeScript(t, "s.lua", "\n")
	var stdout, stderr bytes.Buffer
	code := run([]string{"--each", file, script}, strings.NewReader(""), &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), ":3002: 3 fields, but the header has 2 columns") {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
}

func TestEachShardFlag(t *testing.T) {
	file := rowsFile(t, "rows.csv", "user,pass\nann,pw-a-1\nbob,pw-b-2\ncid,pw-c-3\ndan,pw-d-4\n")
	script := writeScript(t, "s.lua", "print(row.user)\n")
	dir := t.TempDir()
	seen := map[string]int{}
	for i := range 2 {
		var stdout, stderr bytes.Buffer
		t.Setenv("JOB_COMPLETION_INDEX", fmt.Sprint(i))
		code := run([]string{"--each", file, "--shard", "2", "--results", filepath.Join(dir, "r-{shard}.jsonl"), script}, strings.NewReader(""), &stdout, &stderr)
		if code != 0 {
			t.Fatalf("shard %d: exit %d\n%s", i, code, stderr.String())
		}
		for _, u := range []string{"ann", "bob", "cid", "dan"} {
			if strings.Contains(stdout.String(), "["+u+"] "+u) {
				seen[u]++
			}
		}
		if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("r-%d.jsonl", i))); err != nil {
			t.Error(err)
		}
	}
	if len(seen) != 4 || seen["ann"] != 1 || seen["bob"] != 1 || seen["cid"] != 1 || seen["dan"] != 1 {
		t.Errorf("rows run per shard: %v", seen)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"results", "merge", filepath.Join(dir, "r-0.jsonl"), filepath.Join(dir, "r-1.jsonl")}, strings.NewReader(""), &stdout, &stderr); code != 0 ||
		stdout.String() != "2 files, 2 of 2 shards: 4 rows: 4 ok\n" {
		t.Errorf("merge: exit %d %q %s", code, stdout.String(), stderr.String())
	}

	t.Setenv("JOB_COMPLETION_INDEX", "")
	for _, tt := range []struct{ args, want string }{
		{"--shard 2", "JOB_COMPLETION_INDEX is not set"},
		{"--shard 2/2", "not from 0 to 1"},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"--each", file}, strings.Fields(tt.args)...)
		if code := run(append(args, script), strings.NewReader(""), &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%s: exit %d\n%s", tt.args, code, stderr.String())
		}
	}
	for _, args := range [][]string{{"results"}, {"results", "merge"}, {"results", "merge", filepath.Join(dir, "nope.jsonl")}, {"results", "merge", file}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, strings.NewReader(""), &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d\n%s", args, code, stderr.String())
		}
	}
}
