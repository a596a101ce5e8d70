package main

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/mailexpect/mailexpect/runtime/bulk"
)

// TestBulkExitCode: a bulk run's exit code, decided here and only here.
func TestBulkExitCode(t *testing.T) {
	tests := []struct {
		s         bulk.Summary
		outputErr error
		want      int
	}{
		{bulk.Summary{Total: 3, OK: 3}, nil, 0},
		{bulk.Summary{Total: 3, OK: 1, Skipped: 2}, nil, 0},
		{bulk.Summary{Total: 3, OK: 3}, errors.New("results: disk full"), 1},
		{bulk.Summary{Total: 3, OK: 2, Failed: 1}, nil, 1},
		{bulk.Summary{Total: 3, OK: 2, NotStarted: 1}, nil, 1},
		{bulk.Summary{Total: 3, OK: 1, NotStarted: 2, Interrupted: true, Cause: errSIGINT}, nil, 130},
		{bulk.Summary{Total: 3, OK: 1, NotStarted: 2, Interrupted: true, Cause: errSIGTERM}, nil, 143},
		{bulk.Summary{Total: 3, OK: 1, NotStarted: 2, Interrupted: true, Cause: fmt.Errorf("x: %w", context.DeadlineExceeded)}, nil, 1},
	}
	for _, tt := range tests {
		if got := bulkExitCode(tt.s, tt.outputErr); got != tt.want {
			t.Errorf("%+v (output error %v): exit %d, want %d", tt.s, tt.outputErr, got, tt.want)
		}
	}
}
