package bulk

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMergeResults: shards' results, one of them resumed (its failed row
// ok in the second run), merge into the whole run, with where the rows'
// logins came from (each row's last run: a skipped line keeps the one
// before); a missing shard is named and the whole is not ok.
func TestMergeResults(t *testing.T) {
	dir := t.TempDir()
	rows := makeRows(t, 40)
	var paths []string
	for i := range 3 {
		path := filepath.Join(dir, ShardPath("r-{shard}.jsonl", Shard{i, 3}))
		paths = append(paths, path)
		fail := i == 1
		job := func(ctx context.Context, a *Attempt) (any, error) {
			if a.Row().Index == 5 {
				a.UsedCredentials(CredentialsEnvironment, "bob")
			} else {
				a.UsedCredentials(CredentialsRow, a.Row().Key())
			}
			if fail && a.Row().Index%2 == 0 {
				return nil, errors.New("no")
			}
			return nil, nil
		}
		if _, err := Run(context.Background(), Config{Shard: Shard{i, 3}, Results: path}, rows, job); err != nil {
			t.Fatal(err)
		}
	}
	m, err := MergeResults(paths)
	if err != nil {
		t.Fatal(err)
	}
	if m.Rows != 40 || m.Status[StatusFailed] == 0 || m.OK() {
		t.Fatalf("before resume: %+v", m)
	}
	// Shard 1 resumed: its failed rows now ok.
	if _, err := Run(context.Background(), Config{Shard: Shard{1, 3}, Resume: paths[1], Results: paths[1]}, rows,
		func(ctx context.Context, a *Attempt) (any, error) {
			a.UsedCredentials(CredentialsRow, "")
			return nil, nil
		}); err != nil {
		t.Fatal(err)
	}
	m, err = MergeResults(paths)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	m.Write(&out)
	if !m.OK() || out.String() != "3 files, 3 of 3 shards: 40 rows: 40 ok\ncredentials: the rows' columns (39 rows); the environment, user bob (1 row)\n" {
		t.Errorf("after resume: %q %+v", out.String(), m)
	}
	m, _ = MergeResults(paths[:2])
	out.Reset()
	m.Write(&out)
	if m.OK() || !strings.Contains(out.String(), "missing: no results from shard 2 of 3") {
		t.Errorf("without shard 2: %q", out.String())
	}
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"user\":\"x\"}\n"), 0o600)
	if _, err := MergeResults([]string{bad}); err == nil || !strings.Contains(err.Error(), "bad.jsonl:1: not a results line") {
		t.Errorf("a file that is not results: %v", err)
	}
}
