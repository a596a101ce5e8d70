package bulk

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// Row statuses in results.
const (
	StatusOK          = "ok"
	StatusFailed      = "failed"
	StatusInterrupted = "interrupted" // stopped by SIGINT/SIGTERM before (or after finishing) its commit
	StatusSkipped     = "skipped"     // ok in the run that --resume continues
	StatusNotStarted  = "not_started" // the run was interrupted before its turn
)

// resultLine is one line of --results, one per row, written as rows
// finish (rows not started, after the others):
//
//	{"key":"alice@example.com","row":1,"id":"…","columns":{"user":"alice@example.com","host":"mx"},"status":"ok","attempts":1,"started_at":"…","duration_ms":812,"commit":"committed","result":{"deleted":3},"ref_time":"…"}
//
// columns are the row's non-secret columns; secret columns never appear.
// id identifies the row for --resume: a hash of those columns and of the
// row's occurrence among identical rows. shard is I/N under --shard. error is {kind, message} with the
// message masked; kind is absent for errors that have none (a script's
// own error("…")). commit is none, committed or unknown. result is what
// the job returned; result_error says why it could not be written.
// credentials says where the row's logins came from (Credential), never
// the secret itself.
type resultLine struct {
	Key         string            `json:"key"`
	Row         int               `json:"row"`
	ID          string            `json:"id"`
	Columns     map[string]string `json:"columns"`
	Status      string            `json:"status"`
	Attempts    int               `json:"attempts"`
	StartedAt   *time.Time        `json:"started_at,omitempty"`
	DurationMS  int64             `json:"duration_ms"`
	Error       *lineError        `json:"error,omitempty"`
	Commit      string            `json:"commit"`
	Result      any               `json:"result,omitempty"`
	ResultError string            `json:"result_error,omitempty"`
	RefTime     time.Time         `json:"ref_time"`
	Shard       string            `json:"shard,omitempty"` // "I/N" under --shard
	Credentials []Credential      `json:"credentials,omitempty"`
}

type lineError struct {
	Kind    failure.Kind `json:"kind,omitempty"`
	Message string       `json:"message"`
}

// rowID is a row's identity across runs: its non-secret columns and its
// occurrence among rows with the same columns (two identical rows are two
// pieces of work, and resume must not take one's success for the
// other's). Hashed, so that masking a column in the file cannot change
// it, and secret columns (left out) cannot be guessed from it. columns
// is appendColumnsJSON's encoding of them; an id never changes between
// versions (TestRowIDStable): a results file must stay resumable.
func rowID(columns []byte, occurrence int) string {
	h := sha256.New()
	h.Write(columns)
	var tail [24]byte
	h.Write(strconv.AppendInt(append(tail[:0], 0), int64(occurrence), 10))
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:12])
}

// appendColumnsJSON appends the row's public columns (publicColumns) as
// encoding/json writes a map[string]string: keys in byte order, strings
// escaped as json.Marshal does (HTML characters too). A string of
// printable ASCII that needs no escape is written as it is; any other is
// left to json.Marshal, so the bytes are always Marshal's.
func appendColumnsJSON(b []byte, r Row) []byte {
	var stack [16]string
	names := append(stack[:0], r.Order...)
	slices.Sort(names)
	b = append(b, '{')
	first := true
	for i, col := range names {
		v, ok := r.Fields[col]
		if !ok || r.Secret[col] || i > 0 && names[i-1] == col {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, col)
		b = append(b, ':')
		b = appendJSONString(b, v)
	}
	return append(b, '}')
}

func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// rowIDs gives each row of a run its id as the rows are read. It
// remembers a 64-bit hash of each distinct set of columns, not the
// columns: about 10 bytes a row, where the columns would be hundreds; the
// occurrence count only of the sets seen more than once. Two different
// rows whose hashes collide only get different occurrence numbers, which
// keeps their ids apart and stable.
type rowIDs struct {
	seen  map[uint64]struct{}
	again map[uint64]int // occurrences of the sets seen more than once
	buf   *[]byte        // the columns' encoding, reused (rows are read one at a time)
}

func newRowIDs() rowIDs {
	return rowIDs{seen: map[uint64]struct{}{}, again: map[uint64]int{}, buf: new([]byte)}
}

// fnv64a is hash/fnv's 64-bit FNV-1a of b, without a hash.Hash to allocate.
func fnv64a(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// next returns the id of the next row read.
func (ids rowIDs) next(r Row) string {
	b := appendColumnsJSON((*ids.buf)[:0], r)
	*ids.buf = b
	k := fnv64a(b)
	if _, dup := ids.seen[k]; !dup {
		ids.seen[k] = struct{}{}
		return rowID(b, 1)
	}
	if ids.again[k] == 0 {
		ids.again[k] = 1
	}
	ids.again[k]++
	return rowID(b, ids.again[k])
}

// resultsWriter appends result lines, one Write per line, masked.
type resultsWriter struct {
	mu      sync.Mutex
	w       io.Writer
	secrets *transcript.Secrets
	err     error
}

func (rw *resultsWriter) write(l resultLine) error {
	if rw == nil {
		return nil
	}
	if l.Result != nil {
		if _, err := json.Marshal(l.Result); err != nil {
			l.Result, l.ResultError = nil, "the script's result cannot be written as JSON: "+err.Error()
		}
	}
	line, err := maskedJSONLine(l, rw.secrets)
	if errors.Is(err, errSecretInLine) {
		l.Result, l.ResultError = nil, "withheld: it held a secret that could not be masked"
		line, err = maskedJSONLine(l, rw.secrets)
	}
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if rw.err != nil {
		return rw.err
	}
	if _, err := rw.w.Write(append(line, '\n')); err != nil {
		rw.err = fmt.Errorf("results: %w", err)
	}
	return rw.err
}
