package bulk

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"testing"
)

// TestRowIDStable pins row ids: a results file written by an earlier
// version must still be resumed, so the id of a row may never change.
// The ids were computed by the first implementation (json.Marshal of the
// public columns, SHA-256, the occurrence).
func TestRowIDStable(t *testing.T) {
	row := func(secret []string, kv ...string) Row {
		r := Row{Index: 1, Fields: map[string]string{}}
		for i := 0; i < len(kv); i += 2 {
			r.Fields[kv[i]] = kv[i+1]
			r.Order = append(r.Order, kv[i])
		}
		if secret != nil {
			r.Secret = map[string]bool{}
			for _, c := range secret {
				r.Secret[c] = true
			}
		}
		return r
	}
	for _, tc := range []struct {
		name string
		row  Row
		n    int
		want string
	}{
		{"plain", row(nil, "user", "box1", "host", "mail.example.com"), 1, "1cca395e4601fd64fe843bd5"},
		{"second occurrence", row(nil, "user", "box1", "host", "mail.example.com"), 2, "e738ebd7f8e909351055742e"},
		{"column order does not count", row(nil, "host", "mail.example.com", "user", "box1"), 1, "1cca395e4601fd64fe843bd5"},
		{"secret left out", row([]string{"pass"}, "user", "box1", "pass", "pw"), 1, "0bbd79884a05e4619c78f8dd"},
		{"no columns", row(nil), 1, "759690ce33e8865e8e24d143"},
		{"html characters", row(nil, "user", "a<b>&c", "note", `"quoted" \ back`), 1, "259e3ea5f4c95d9afced7ec5"},
		{"control and unicode", row(nil, "user", "tab\there\x01", "name", "Jürgen \u2028 日本"), 1, "9d0aeed57526b2433fc84403"},
		{"invalid utf-8", row(nil, "user", "bad\xff\xfe", "k\xc3", "v"), 1, "8a310b17e32485fee4151fb5"},
		{"empty values", row(nil, "user", "", "a", ""), 1, "f66120bc984fdb9c8e410cef"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids := newRowIDs()
			var got string
			for range tc.n {
				got = ids.next(tc.row)
			}
			if got != tc.want {
				t.Errorf("id = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestColumnsJSONIsMarshal: the columns hashed into a row id are
// json.Marshal's encoding of the public columns, byte for byte, whatever
// the names and values hold; and fnv64a is hash/fnv's FNV-1a.
func TestColumnsJSONIsMarshal(t *testing.T) {
	values := []string{"", "box1", "a<b", "x&y>z", `q"uote`, `back\slash`, "tab\t", "nul\x00", "del\x7f",
		"Jürgen", "日本", "\u2028\u2029", "bad\xff", "\xc3", "~!@#$%^*()_+-={}[]|:;',./?"}
	for _, a := range values {
		for _, b := range values {
			r := Row{Fields: map[string]string{"user": a, b + "col": b, "pass": a + b},
				Order: []string{"user", b + "col", "pass", "user"}, Secret: map[string]bool{"pass": true}}
			want, err := json.Marshal(publicColumns(r))
			if err != nil {
				t.Fatal(err)
			}
			got := appendColumnsJSON(nil, r)
			if string(got) != string(want) {
				t.Fatalf("columns %q, %q: got %s, want %s", a, b, got, want)
			}
			h := fnv.New64a()
			h.Write(want)
			if fnv64a(got) != h.Sum64() {
				t.Fatalf("fnv64a(%s) is not FNV-1a", got)
			}
		}
	}
}

// BenchmarkRowOverhead is the pool's own work per row: reading it,
// its id and key, its password registered and removed, the attempt's
// contexts, the record and the progress, with a job that does nothing.
// "encoded": a password that quoting and URL encoding change.
func BenchmarkRowOverhead(b *testing.B) {
	for _, bc := range []struct {
		name     string
		results  bool
		password string
	}{
		{"results=false", false, "secret%d"},
		{"results=true", true, "secret%d"},
		{"encoded", false, "p@ss w<rd %d"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var in strings.Builder
			in.WriteString("user,host,pass\n")
			for i := range b.N {
				fmt.Fprintf(&in, "box%d,mail%d.example.com,"+bc.password+"\n", i, i%7, i)
			}
			rows, err := ReadRows(strings.NewReader(in.String()), FormatCSV)
			if err != nil {
				b.Fatal(err)
			}
			cfg := Config{Jobs: 1}
			var out strings.Builder
			if bc.results {
				cfg.ResultsWriter = &out
			}
			b.ReportAllocs()
			b.ResetTimer()
			sum, err := Run(context.Background(), cfg, rows, func(ctx context.Context, a *Attempt) (any, error) {
				return nil, nil
			})
			if err != nil || sum.OK != b.N {
				b.Fatal(err, sum)
			}
		})
	}
}
