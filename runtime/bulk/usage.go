package bulk

import "errors"

// ErrScriptUsage marks a job's error (errors.Is) as a usage error of the
// script's own command line (an unknown option after the script name, a
// required option missing): the same for every row, whatever its values.
// The run stops at the first one, says it once (Summary.Usage), and its
// status is RunUsage. A usage error that comes from a row's values (a
// bad option value taken from a column) is not marked: it fails its row
// only.
var ErrScriptUsage = errors.New("a usage error of the script's command line")
