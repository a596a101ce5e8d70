package bulk

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"
)

// resumeState is what --resume takes from an earlier results file: the
// reference time of the run it continues and the rows done in it.
type resumeState struct {
	refTime time.Time       // zero when the file holds no row yet
	done    map[string]bool // row ids whose status was ok or skipped
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

type resumeLine struct {
	ID      string    `json:"id"`
	Status  string    `json:"status"`
	RefTime time.Time `json:"ref_time"`
}

func parseResume(r io.Reader) (*resumeState, error) {
	var lines []resumeLine
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		text, err := br.ReadBytes('\n')
		complete := err == nil
		if t := bytes.TrimSpace(text); len(t) > 0 {
			var l resumeLine
			perr := json.Unmarshal(t, &l)
			if perr == nil && (l.ID == "" || l.Status == "" || l.RefTime.IsZero()) {
				perr = fmt.Errorf("not a results line (id, status or ref_time missing)")
			}
			switch {
			case perr == nil:
				lines = append(lines, l)
			case !complete:
				// a torn last line: the run died writing it
			default:
				return nil, fmt.Errorf("%d: %v", n, perr)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	st := &resumeState{done: map[string]bool{}}
	if len(lines) == 0 {
		return st, nil
	}
	st.refTime = lines[len(lines)-1].RefTime
	for _, l := range lines {
		if l.RefTime.Equal(st.refTime) && (l.Status == StatusOK || l.Status == StatusSkipped) {
			st.done[l.ID] = true
		}
	}
	return st, nil
}
