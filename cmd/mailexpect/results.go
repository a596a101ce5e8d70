package main

import (
	"fmt"
	"io"
	"strings"

	luabind "github.com/mailexpect/mailexpect/luabind"
	"github.com/mailexpect/mailexpect/runtime/bulk"
)

// runResults is `mailexpect results merge FILE...`: the whole run's
// summary from the results files of its shards. Exit 0 when every row is
// ok and every shard is there, 1 otherwise, 2 on a usage error or a file
// that is not results.
func runResults(args []string, stdout, stderr io.Writer) int {
	const hint = "mailexpect results merge results-*.jsonl: the whole run's summary from its shards' --results files"
	if len(args) == 0 || args[0] != "merge" {
		printError(stderr, usageErr(hint, "results wants the subcommand merge"))
		return luabind.ExitUsage
	}
	files := args[1:]
	if len(files) == 0 {
		printError(stderr, usageErr(hint, "results merge wants one or more results files"))
		return luabind.ExitUsage
	}
	for _, f := range files {
		if strings.HasPrefix(f, "-") {
			printError(stderr, usageErr(hint, "results merge takes no flags, got %q", f))
			return luabind.ExitUsage
		}
	}
	m, err := bulk.MergeResults(files)
	if err != nil {
		printError(stderr, usageErr(hint, "results merge: %v", unwrapPath(err)))
		return luabind.ExitUsage
	}
	m.Write(stdout)
	if !m.OK() {
		if m.Rows == 0 {
			fmt.Fprintln(stderr, "warning: results merge: the files hold no rows")
		}
		return luabind.ExitFailure
	}
	return luabind.ExitOK
}
