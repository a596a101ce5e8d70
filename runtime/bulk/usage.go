package bulk

import (
	"errors"
	"sort"
)

// ErrScriptUsage marks a job's error (errors.Is) as a usage error of the
// script's own command line (an unknown option after the script name, a
// required option missing): the same for every row, whatever its values.
// The run stops at the first one, says it once (Summary.Usage), and its
// status is RunUsage. A usage error that comes from a row's values (a
// bad option value taken from a column) is not marked: it fails its row
// only.
var ErrScriptUsage = errors.New("a usage error of the script's command line")

// ReadColumn notes that the job read the row's column name, or, with
// all, every column (the script iterated the row, or encoded it whole).
// The run warns once when a row's columns are never read: a script that
// ignores row does the same work, on the same mailbox, for every row.
func (a *Attempt) ReadColumn(name string, all bool) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.read == nil {
		a.read = map[string]bool{}
	}
	if all {
		a.readAll = true
	} else {
		a.read[name] = true
	}
}

// unreadColumns are the columns of the attempt's row the job never read,
// sorted; nil when it reported no reads at all.
func (a *Attempt) unreadColumns() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.readAll {
		return nil
	}
	var unread []string
	for col := range a.row.Fields {
		if !a.read[col] {
			unread = append(unread, col)
		}
	}
	sort.Strings(unread)
	return unread
}
