package luabind

import (
	"testing"

	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// BenchmarkStateCompare prices the check a clean row pays to keep its
// state: comparing a state with pop3 loaded (and its client class
// adopted) with its record.
func BenchmarkStateCompare(b *testing.B) {
	proto, err := Compile("x.lua", []byte(`local pop3 = require "pop3"`))
	if err != nil {
		b.Fatal(err)
	}
	cfg := Config{Secrets: transcript.NewSecrets(), ReadOnly: map[string]any{"row": map[string]any{"user": "u"}}}
	p := &statePool{}
	st, err := p.build(cfg, scriptModules(proto))
	if err != nil {
		b.Fatal(err)
	}
	defer st.L.Close()
	s := st.r.reuse
	if s == nil {
		b.Fatal("the state is not reusable")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if c := s.change(); c != "" {
			b.Fatal(c)
		}
	}
	b.ReportMetric(float64(len(s.tables)), "tables")
	b.ReportMetric(float64(len(s.funcs)), "funcs")
	b.ReportMetric(float64(len(s.values)), "values")
}

// BenchmarkStateSnapshot prices recording a prepared state (once per
// state: a script that changes its state every row pays it every row).
func BenchmarkStateSnapshot(b *testing.B) {
	proto, err := Compile("x.lua", []byte(`local pop3 = require "pop3"`))
	if err != nil {
		b.Fatal(err)
	}
	cfg := Config{Secrets: transcript.NewSecrets(), ReadOnly: map[string]any{"row": map[string]any{"user": "u"}}}
	st, err := (&statePool{}).build(cfg, scriptModules(proto))
	if err != nil {
		b.Fatal(err)
	}
	defer st.L.Close()
	b.ReportAllocs()
	for range b.N {
		if _, err := newSnapshot(st.L, st.r); err != nil {
			b.Fatal(err)
		}
	}
}
