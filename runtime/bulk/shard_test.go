package bulk

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestShardsDisjointComplete: N shards of one input run every row
// exactly once between them, and a row falls to the same shard in every
// run (the hash of its key alone).
func TestShardsDisjointComplete(t *testing.T) {
	rows := makeRows(t, 500)
	for _, n := range []int{1, 2, 3, 7} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			ran := map[int]int{} // row index -> shard that ran it
			var mu sync.Mutex
			for i := range n {
				for run := range 2 { // twice: the same rows each time
					var mine []int
					sum, err := Run(context.Background(), Config{Jobs: 3, Shard: Shard{Index: i, Count: n}}, rows,
						func(ctx context.Context, a *Attempt) (any, error) {
							mu.Lock()
							defer mu.Unlock()
							mine = append(mine, a.Row().Index)
							return nil, nil
						})
					if err != nil || sum.OK != len(mine) || sum.Total != len(mine) {
						t.Fatalf("shard %d/%d: %+v, %v", i, n, sum, err)
					}
					for _, idx := range mine {
						if prev, ok := ran[idx]; ok && (prev != i || run == 0) {
							t.Errorf("row %d ran in shard %d and shard %d", idx, prev, i)
						}
						ran[idx] = i
					}
				}
			}
			if len(ran) != len(rows) {
				t.Errorf("%d rows ran, want %d", len(ran), len(rows))
			}
			if n > 1 {
				// Not all in one shard: the hash spreads keys.
				per := map[int]int{}
				for _, s := range ran {
					per[s]++
				}
				for i := range n {
					if per[i] < len(rows)/n/2 {
						t.Errorf("shard %d has %d rows of %d", i, per[i], len(rows))
					}
				}
			}
		})
	}
}

// TestShardOfStable pins the hash: shards computed on other machines and
// by other versions must agree (docs/bulk.md documents it as FNV-1a 64).
func TestShardOfStable(t *testing.T) {
	for _, tt := range []struct {
		key  string
		n    int
		want int
	}{
		{"alice@example.com", 4, ShardOf("alice@example.com", 4)},
		{"", 3, int(14695981039346656037 % 3)}, // FNV-1a offset basis: no bytes hashed
		{"a", 1000, int(0xaf63dc4c8601ec8c % 1000)},
	} {
		if got := ShardOf(tt.key, tt.n); got != tt.want {
			t.Errorf("ShardOf(%q, %d) = %d, want %d", tt.key, tt.n, got, tt.want)
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, tt := range []struct {
		spec, env string
		want      Shard
		wantErr   string
	}{
		{"2/8", "", Shard{2, 8}, ""},
		{"0/1", "5", Shard{0, 1}, ""}, // I/N wins over the environment
		{"8", "3", Shard{3, 8}, ""},
		{" 4 ", "0", Shard{0, 4}, ""},
		{"8", "", Shard{}, "JOB_COMPLETION_INDEX is not set"},
		{"8", "8", Shard{}, `index "8" (from JOB_COMPLETION_INDEX), not from 0 to 7`},
		{"8/8", "", Shard{}, "not from 0 to 7"},
		{"-1/4", "", Shard{}, "not from 0 to 3"},
		{"1/0", "", Shard{}, "N is not a whole number"},
		{"a/b", "", Shard{}, "N is not a whole number"},
		{"", "", Shard{}, "--shard wants I/N"},
	} {
		got, err := ParseShard(tt.spec, tt.env)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseShard(%q, %q) = %v, %v; want error %q", tt.spec, tt.env, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseShard(%q, %q) = %v, %v; want %v", tt.spec, tt.env, got, err, tt.want)
		}
	}
}

func TestShardPath(t *testing.T) {
	if got := ShardPath("out/results-{shard}.jsonl", Shard{3, 8}); got != "out/results-3.jsonl" {
		t.Error(got)
	}
	if got := ShardPath("results-{shard}.jsonl", Shard{}); got != "results-all.jsonl" {
		t.Error(got)
	}
	if got := ShardPath("plain.jsonl", Shard{3, 8}); got != "plain.jsonl" {
		t.Error(got)
	}
}
