package scripts_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestCleanupShardsEqualUnsharded: 30 Dovecot mailboxes cleaned by 3
// shard processes side by side (as 3 pods of an Indexed Job would, one
// with its index from JOB_COMPLETION_INDEX), each with its own results
// and journal. Their journals together delete exactly what one unsharded
// run reports (its dry run, over the same mailboxes first), no message
// twice and none missed; each mailbox is in exactly one shard's results;
// the Maildirs keep the survivors; results merge gives the whole run.
func TestCleanupShardsEqualUnsharded(t *testing.T) {
	const shards = 3
	st, dir := cleanupStack(t, 30, nil)
	script, _ := filepath.Abs(script("pop3-cleanup.lua"))

	whole := bulkRun(t, st, dir, append([]string{"--each", "rows.csv", "--jobs", "8", "--dry-run",
		"--journal", "whole-journal.jsonl", "--results", "whole-results.jsonl", script}, cleanupCriteria...)...)
	wantCode(t, whole, 0)
	wouldGo, _ := readJournal(t, filepath.Join(dir, "whole-journal.jsonl"), "would-delete")

	var wg sync.WaitGroup
	runs := make([]result, shards)
	for i := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			shard := fmt.Sprintf("%d/%d", i, shards)
			args := []string{"--each", "rows.csv", "--jobs", "4", "--shard", shard,
				"--journal", "journal-{shard}.jsonl", "--results", "results-{shard}.jsonl", script}
			if i == shards-1 {
				// The pod form: N alone, I from the environment.
				args[5] = fmt.Sprint(shards)
			}
			runs[i] = bulkRunEnv(t, st, dir, shardEnv(i, shards), append(args, cleanupCriteria...)...)
		}()
	}
	wg.Wait()

	inShard := map[string]int{}
	total := 0
	deleted := map[string][]string{}
	for i, r := range runs {
		wantCode(t, r, 0)
		if !strings.Contains(r.stderr, fmt.Sprintf("of shard %d/%d in ", i, shards)) {
			t.Errorf("shard %d summary:\n%s", i, r.stderr)
		}
		for _, l := range readResults(t, filepath.Join(dir, fmt.Sprintf("results-%d.jsonl", i))) {
			if prev, ok := inShard[l.Key]; ok {
				t.Errorf("%s ran in shard %d and shard %d", l.Key, prev, i)
			}
			inShard[l.Key] = i
			total++
			if l.Status != "ok" || l.Commit != "committed" {
				t.Errorf("shard %d: %+v", i, l)
			}
		}
		gone, _ := readJournal(t, filepath.Join(dir, fmt.Sprintf("journal-%d.jsonl", i)), "delete")
		for user, ids := range gone {
			if _, twice := deleted[user]; twice {
				t.Errorf("%s deleted from in two shards", user)
			}
			deleted[user] = ids
		}
	}
	if total != len(st.Users) {
		t.Errorf("the shards ran %d rows, want %d", total, len(st.Users))
	}
	for _, u := range st.Users {
		if fmt.Sprint(deleted[u.Name]) != fmt.Sprint(wouldGo[u.Name]) || fmt.Sprint(deleted[u.Name]) != fmt.Sprint(wantDoomed(u)) {
			t.Errorf("%s: the shards deleted %v, the unsharded run reports %v", u.Name, deleted[u.Name], wouldGo[u.Name])
		}
		if got := mailboxNumbers(t, st, u); !intsEqual(got, survivors) {
			t.Errorf("%s keeps %v, want %v", u.Name, got, survivors)
		}
	}

	merge := bulkRun(t, st, dir, "results", "merge", "results-0.jsonl", "results-1.jsonl", "results-2.jsonl")
	wantCode(t, merge, 0)
	if want := fmt.Sprintf("3 files, 3 of 3 shards: %d rows: %d ok\ncredentials: the rows' columns (%d rows)\n", len(st.Users), len(st.Users), len(st.Users)); merge.stdout != want {
		t.Errorf("merge: %q, want %q", merge.stdout, want)
	}
	partial := bulkRun(t, st, dir, "results", "merge", "results-0.jsonl", "results-2.jsonl")
	wantCode(t, partial, 1)
	if !strings.Contains(partial.stdout, "missing: no results from shard 1 of 3") {
		t.Errorf("merge without shard 1:\n%s", partial.stdout)
	}
}

// shardEnv is the environment of shard i: the last one is given its index
// the way Kubernetes gives it, in JOB_COMPLETION_INDEX.
func shardEnv(i, n int) []string {
	if i == n-1 {
		return []string{fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i)}
	}
	return nil
}
