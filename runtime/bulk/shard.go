package bulk

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// A Shard is one part of a run split over processes or machines
// (--shard I/N): it runs the rows whose key falls to it. The zero value
// (Count 0) is the whole run.
type Shard struct {
	Index int // 0-based, as Kubernetes' JOB_COMPLETION_INDEX
	Count int
}

// ShardOf returns the shard, of n, that a row with this key belongs to:
// the FNV-1a 64-bit hash of the key's bytes, modulo n. It depends on the
// key alone, so it is the same on every machine and in every run, every
// row falls to exactly one shard, and rows of one mailbox (one key) are
// never run by two shards at once.
func ShardOf(key string, n int) int {
	h := fnv.New64a()
	h.Write([]byte(key))
	return int(h.Sum64() % uint64(n))
}

// Has reports whether the row is this shard's. Its Secret map must be
// set (a secret column is never the key).
func (s Shard) Has(r Row) bool {
	if s.Count <= 1 {
		return true
	}
	return ShardOf(r.Key(), s.Count) == s.Index
}

func (s Shard) String() string {
	if s.Count == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// maxShards bounds N: beyond it a shard would hold a handful of rows and
// the cost is in starting processes.
const maxShards = 100000

// ParseShard reads --shard: "I/N" (0 <= I < N), or "N" alone, with I from
// index (the value of JOB_COMPLETION_INDEX, which a Kubernetes Indexed
// Job sets in each pod; "" when it is not set).
func ParseShard(spec, index string) (Shard, error) {
	const shape = "--shard wants I/N (0-based, 0 <= I < N, as 2/8) or N with JOB_COMPLETION_INDEX set"
	spec = strings.TrimSpace(spec)
	is, ns, slash := strings.Cut(spec, "/")
	if !slash {
		ns = spec
		is = strings.TrimSpace(index)
		if is == "" {
			return Shard{}, fmt.Errorf("%s; got %q and JOB_COMPLETION_INDEX is not set", shape, spec)
		}
	}
	n, err := strconv.Atoi(ns)
	if err != nil || n < 1 || n > maxShards {
		return Shard{}, fmt.Errorf("%s; got %q: N is not a whole number from 1 to %d", shape, spec, maxShards)
	}
	i, err := strconv.Atoi(is)
	if err != nil || i < 0 || i >= n {
		from := ""
		if !slash {
			from = " (from JOB_COMPLETION_INDEX)"
		}
		return Shard{}, fmt.Errorf("%s; got index %q%s, not from 0 to %d", shape, is, from, n-1)
	}
	return Shard{Index: i, Count: n}, nil
}

// ShardPath puts the shard's index into a file name: "{shard}" in path
// becomes I, so that shards writing to one shared directory
// (results-{shard}.jsonl) do not write the same file. Without a shard it
// becomes "all".
func ShardPath(path string, s Shard) string {
	if !strings.Contains(path, "{shard}") {
		return path
	}
	i := "all"
	if s.Count > 0 {
		i = strconv.Itoa(s.Index)
	}
	return strings.ReplaceAll(path, "{shard}", i)
}
