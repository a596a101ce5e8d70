package lua

import (
	"context"
	"strings"
	"testing"
	"time"
)

// mailexpect patch (cancel.go): library functions that can run long give
// up once the state's context is done. Each case calls the library
// function directly (the VM polls the context only between
// instructions), first with a live context, where it must finish, then
// with a cancelled one, where it must raise the context's error.
func TestLibraryCallsPollTheContext(t *testing.T) {
	sortable := func(L *LState, n int) LValue {
		tb := L.CreateTable(n, 0)
		for i := 0; i < n; i++ {
			tb.RawSetInt(i+1, LNumber((i*7919)%n))
		}
		return tb
	}
	backtrack := strings.Repeat("a*", 12) + "b"
	for _, tt := range []struct {
		lib, fn string
		args    func(L *LState) []LValue
		small   func(L *LState) []LValue // nil: args
	}{
		{"string", "find", func(*LState) []LValue { return []LValue{LString(strings.Repeat("a", 30)), LString(backtrack)} },
			func(*LState) []LValue { return []LValue{LString("aab"), LString(backtrack)} }},
		{"string", "match", func(*LState) []LValue { return []LValue{LString(strings.Repeat("a", 30)), LString(backtrack)} },
			func(*LState) []LValue { return []LValue{LString("aab"), LString(backtrack)} }},
		{"string", "gmatch", func(*LState) []LValue { return []LValue{LString(strings.Repeat("a", 30)), LString(backtrack)} },
			func(*LState) []LValue { return []LValue{LString("aab"), LString(backtrack)} }},
		{"string", "gsub", func(*LState) []LValue {
			return []LValue{LString(strings.Repeat("a", 30)), LString(backtrack), LString("")}
		},
			func(*LState) []LValue { return []LValue{LString("aab"), LString(backtrack), LString("")} }},
		{"string", "gsub", func(*LState) []LValue {
			return []LValue{LString(strings.Repeat("ab ", 1e5)), LString("%a+"), LString("x")}
		}, nil},
		{"string", "rep", func(*LState) []LValue { return []LValue{LString("abc"), LNumber(4 << 20)} }, nil},
		{"table", "sort", func(L *LState) []LValue { return []LValue{sortable(L, 1e5)} }, nil},
	} {
		t.Run(tt.lib+"."+tt.fn, func(t *testing.T) {
			L := NewState()
			defer L.Close()
			fn := L.GetField(L.GetGlobal(tt.lib), tt.fn)
			if tt.fn == "gmatch" {
				// gmatch matches in its iterator (patch 0040): call that.
				fn = L.NewFunction(func(L *LState) int {
					L.Push(L.GetField(L.GetGlobal("string"), "gmatch"))
					L.Push(L.Get(1))
					L.Push(L.Get(2))
					L.Call(2, 2)
					iter, state := L.Get(-2), L.Get(-1)
					L.Push(iter)
					L.Push(state)
					L.Call(1, 1)
					return 1
				})
			}
			small := tt.small
			if small == nil {
				small = tt.args
			}
			ctx, cancel := context.WithCancel(context.Background())
			L.SetContext(ctx)
			if err := L.CallByParam(P{Fn: fn, Protect: true}, small(L)...); err != nil {
				t.Fatalf("with a live context: %v", err)
			}
			cancel()
			start := time.Now()
			err := L.CallByParam(P{Fn: fn, Protect: true}, tt.args(L)...)
			if err == nil || !strings.Contains(err.Error(), context.Canceled.Error()) {
				t.Fatalf("with a cancelled context: %v, want %q", err, context.Canceled)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v to give up", d)
			}
		})
	}
}

func TestStringRep(t *testing.T) {
	L := NewState()
	defer L.Close()
	rep := L.GetField(L.GetGlobal("string"), "rep")
	// Results past 1 MiB are built in chunks: compare with strings.Repeat
	// for periods that do and do not divide the chunk size.
	for _, tt := range []struct {
		s string
		n int
	}{{"abc", 1 << 20}, {"ab", 1<<20 + 3}, {"x", 3<<20 + 1}, {strings.Repeat("0123456789", 300000), 3}, {"", 1 << 40}, {"a", 0}, {"a", -5}} {
		if err := L.CallByParam(P{Fn: rep, NRet: 1, Protect: true}, LString(tt.s), LNumber(tt.n)); err != nil {
			t.Fatalf("rep(%d bytes, %d): %v", len(tt.s), tt.n, err)
		}
		got := L.Get(-1).String()
		L.Pop(1)
		if want := strings.Repeat(tt.s, max(tt.n, 0)); got != want {
			t.Errorf("rep(%d bytes, %d): %d bytes, not what strings.Repeat gives (%d)", len(tt.s), tt.n, len(got), len(want))
		}
	}
	for _, n := range []float64{1 << 29, 1e18} {
		err := L.CallByParam(P{Fn: rep, NRet: 1, Protect: true}, LString("abc"), LNumber(n))
		if err == nil || !strings.Contains(err.Error(), "string.rep: the result would be") || !strings.Contains(err.Error(), "limit of 1 GiB") {
			t.Errorf("rep(abc, %g): %v, want the size limit error", n, err)
		}
	}
}
