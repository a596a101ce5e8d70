package bulk

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Merged is the whole run's outcome from the results files of its shards
// (or of any runs over one input): each row once, by its id, with the
// status of the last line about it.
type Merged struct {
	Files  int
	Rows   int            // distinct rows
	Status map[string]int // rows by final status; skipped counts as ok (done before)

	// Shards is the N the lines name (0: no --shard); Missing lists the
	// indexes no file has a line of, Twice the rows found in two shards
	// (which stable hashing of one input never gives).
	Shards  int
	Missing []int
	Twice   int
	Mixed   bool // lines name different N: shards of different splits

	// Credentials says where the rows' logins came from, as the run's
	// own summary does (each row's last line counts).
	Credentials []CredentialCount
}

// MergeResults reads results files (--results of each shard) into the
// whole run's outcome. A row counts once whatever number of runs
// (--resume) wrote about it; its last line says its status. Lines that
// are not results are an error naming file and line, except a torn last
// line (a run killed while writing it).
func MergeResults(paths []string) (*Merged, error) {
	m := &Merged{Status: map[string]int{}}
	final := map[idKey]string{}
	creds := map[idKey][]Credential{}
	shardOf := map[idKey]string{}
	seenShard := map[int]bool{}
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		err = mergeFile(f, m, final, creds, shardOf, seenShard)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s:%w", path, err)
		}
		m.Files++
	}
	m.Rows = len(final)
	keys := make([]idKey, 0, len(creds))
	for k := range creds {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return bytes.Compare(keys[i][:], keys[j][:]) < 0 })
	for _, k := range keys {
		addCredentials(&m.Credentials, creds[k])
	}
	sort.SliceStable(m.Credentials, func(i, j int) bool { return m.Credentials[i].Rows > m.Credentials[j].Rows })
	for _, st := range final {
		if st == StatusSkipped {
			st = StatusOK
		}
		m.Status[st]++
	}
	if m.Shards > 0 {
		for i := range m.Shards {
			if !seenShard[i] {
				m.Missing = append(m.Missing, i)
			}
		}
	}
	return m, nil
}

func mergeFile(r io.Reader, m *Merged, final map[idKey]string, creds map[idKey][]Credential, shardOf map[idKey]string, seenShard map[int]bool) error {
	return readResults(r, func(l doneLine, k idKey) {
		final[k] = l.Status
		if ran := l.Status != StatusSkipped && l.Status != StatusNotStarted; ran && (len(l.Credentials) > 0 || creds[k] != nil) {
			creds[k] = l.Credentials // the row's last run; a skipped line keeps the run before it
		}
		if l.Shard == "" {
			return
		}
		is, ns, _ := strings.Cut(l.Shard, "/")
		i, _ := strconv.Atoi(is)
		nn, _ := strconv.Atoi(ns)
		if m.Shards != 0 && nn != m.Shards {
			m.Mixed = true
		}
		m.Shards = max(m.Shards, nn)
		seenShard[i] = true
		if prev, ok := shardOf[k]; ok && prev != l.Shard {
			m.Twice++
		}
		shardOf[k] = l.Shard
	})
}

// OK reports whether every row is done (ok, or done before) and the
// shards are whole: the run as a whole succeeded.
func (m *Merged) OK() bool {
	return m.Rows > 0 && m.Status[StatusOK] == m.Rows && len(m.Missing) == 0 && m.Twice == 0 && !m.Mixed
}

// Write prints the whole run's summary:
//
//	4 files, shards 0-3 of 4: 5000 rows: 4997 ok, 3 failed
func (m *Merged) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", plural(m.Files, "file"))
	if m.Shards > 0 {
		fmt.Fprintf(&b, ", %d of %d shards", m.Shards-len(m.Missing), m.Shards)
	}
	var parts []string
	for _, st := range []string{StatusOK, StatusFailed, StatusInterrupted, StatusNotStarted} {
		if n := m.Status[st]; n > 0 || st == StatusOK {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.ReplaceAll(st, "_", " ")))
		}
	}
	var other []string
	for st := range m.Status {
		switch st {
		case StatusOK, StatusFailed, StatusInterrupted, StatusNotStarted:
		default:
			other = append(other, st)
		}
	}
	sort.Strings(other)
	for _, st := range other {
		parts = append(parts, fmt.Sprintf("%d %s", m.Status[st], st))
	}
	fmt.Fprintf(&b, ": %s: %s\n", plural(m.Rows, "row"), strings.Join(parts, ", "))
	writeCredentials(&b, m.Credentials)
	if len(m.Missing) > 0 {
		var idx []string
		for _, i := range m.Missing {
			idx = append(idx, strconv.Itoa(i))
		}
		fmt.Fprintf(&b, "missing: no results from shard %s of %d: their rows are in no count\n", strings.Join(idx, ", "), m.Shards)
	}
	if m.Twice > 0 {
		fmt.Fprintf(&b, "%s appear in two shards: were the shards run over different inputs?\n", plural(m.Twice, "row"))
	}
	if m.Mixed {
		b.WriteString("the files name different shard counts (N in --shard I/N): they are not one split of one run\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
