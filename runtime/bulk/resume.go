package bulk

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"
)

// resumeState is what --resume takes from an earlier results file: the
// reference time of the run it continues and the rows done in it.
type resumeState struct {
	refTime time.Time          // zero when the file holds no row yet
	done    map[idKey]struct{} // row ids whose status was ok or skipped
}

// idKey is a row id (24 hex digits) as bytes: a set of a million done
// rows takes tens of megabytes, not hundreds.
type idKey [12]byte

func parseID(id string) (idKey, bool) {
	var k idKey
	if len(id) != 2*len(k) {
		return k, false
	}
	_, err := hex.Decode(k[:], []byte(id))
	return k, err == nil
}

// has reports whether the row with this id was done.
func (st *resumeState) has(id string) bool {
	k, ok := parseID(id)
	if !ok {
		return false
	}
	_, done := st.done[k]
	return done
}

// readResume reads a results file. Runs may have been appended to one
// file: a resumed run reuses its predecessor's ref_time, so the lines of
// one chain of runs share a ref_time, and the chain continued is the one
// of the file's last line. Rows count as done when a line of that chain
// says ok, or skipped (ok in an earlier link of the chain). Lines of
// other chains are ignored: a row that was ok last month is not skipped
// in a new run that happens to append to the same file.
//
// A last line cut short (the run was killed while writing it) is ignored;
// any other line that is not a result is an error, since guessing would
// risk skipping rows that were never done.
func readResume(path string) (*resumeState, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	defer f.Close()
	st, err := parseResume(f)
	if err != nil {
		return nil, fmt.Errorf("resume: %s:%w", path, err)
	}
	return st, nil
}

// doneLine is the part of a results line that --resume and results
// merge read.
type doneLine struct {
	ID      string    `json:"id"`
	Status  string    `json:"status"`
	RefTime time.Time `json:"ref_time"`
	Shard   string    `json:"shard"`

	Credentials []Credential `json:"credentials"` // for results merge
}

// readResults calls fn with each line of a results file, in order, and
// its parsed id. A line that is not a results line is an error naming its
// number, except a torn last line (the run died writing it), which is
// skipped.
func readResults(r io.Reader, fn func(l doneLine, k idKey)) error {
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		text, err := br.ReadBytes('\n')
		complete := err == nil
		if t := bytes.TrimSpace(text); len(t) > 0 {
			var l doneLine
			perr := json.Unmarshal(t, &l)
			if perr == nil && (l.ID == "" || l.Status == "" || l.RefTime.IsZero()) {
				perr = fmt.Errorf("not a results line (id, status or ref_time missing)")
			}
			k, ok := parseID(l.ID)
			if perr == nil && !ok {
				perr = fmt.Errorf("not a results line (id %q is not 24 hex digits)", l.ID)
			}
			switch {
			case perr == nil:
				fn(l, k)
			case complete:
				return fmt.Errorf("%d: %v", n, perr)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func parseResume(r io.Reader) (*resumeState, error) {
	// The done rows of each chain, by its ref_time; the chain continued is
	// known only at the last line.
	chains := map[int64]map[idKey]struct{}{}
	var last doneLine
	err := readResults(r, func(l doneLine, k idKey) {
		last = l
		chain := chains[l.RefTime.UnixNano()]
		if chain == nil {
			chain = map[idKey]struct{}{}
			chains[l.RefTime.UnixNano()] = chain
		}
		if l.Status == StatusOK || l.Status == StatusSkipped {
			chain[k] = struct{}{}
		}
	})
	if err != nil {
		return nil, err
	}
	st := &resumeState{done: map[idKey]struct{}{}}
	if last.ID == "" {
		return st, nil
	}
	st.refTime = last.RefTime
	st.done = chains[last.RefTime.UnixNano()]
	return st, nil
}
