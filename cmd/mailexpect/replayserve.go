package main

import (
	"context"
	"io"
)

func serveReplay(ctx context.Context, args []string, quiet bool, stdout, stderr io.Writer) int { return 0 }
func runTests(ctx context.Context, o *options, stdout, stderr io.Writer) int                 { return 0 }
