package bulk

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mailexpect/mailexpect/runtime/transcript"
)

func TestReadRows(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		input  string
		want   []Row
	}{
		{"csv", FormatCSV, "user,pass,host\nalice,s3cret,mx1\nbob,hunter2,mx2\n", []Row{
			{Index: 1, Line: 2, Fields: map[string]string{"user": "alice", "pass": "s3cret", "host": "mx1"}, Order: []string{"user", "pass", "host"}},
			{Index: 2, Line: 3, Fields: map[string]string{"user": "bob", "pass": "hunter2", "host": "mx2"}, Order: []string{"user", "pass", "host"}},
		}},
		{"csv quoted, CRLF, BOM, spaces in header, blank line", FormatAuto, "\xef\xbb\xbfuser , note\r\n\r\n\"a,b\",\"say \"\"hi\"\"\nthere\"\r\n", []Row{
			{Index: 1, Line: 3, Fields: map[string]string{"user": "a,b", "note": "say \"hi\"\nthere"}, Order: []string{"user", "note"}},
		}},
		{"csv header only", FormatCSV, "user,pass\n", nil},
		{"jsonl", FormatJSONL, `{"user":"alice","n":7,"zip":"007","ok":true,"gone":null,"big":1e3}` + "\n\n" + `{"user":"bob"}`, []Row{
			{Index: 1, Line: 1, Fields: map[string]string{"user": "alice", "n": "7", "zip": "007", "ok": "true", "big": "1e3"}, Order: []string{"user", "n", "zip", "ok", "big"}},
			{Index: 2, Line: 3, Fields: map[string]string{"user": "bob"}, Order: []string{"user"}},
		}},
		{"jsonl sniffed", FormatAuto, "  \n{\"user\":\"x\"}\n", []Row{
			{Index: 1, Line: 2, Fields: map[string]string{"user": "x"}, Order: []string{"user"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadRows(strings.NewReader(tt.input), tt.format)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadRowsErrors(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		input  string
		want   string
	}{
		{"empty", FormatCSV, "", "empty input"},
		{"empty header name", FormatCSV, "user,,pass\n", "line 1: header: column 2 has no name"},
		{"duplicate column", FormatCSV, "user,pass,user\n", `line 1: header: column "user" appears twice (columns 1 and 3)`},
		{"ragged short", FormatCSV, "user,pass\na,b\nc\n", "line 3: 1 fields, but the header has 2 columns"},
		{"ragged long", FormatCSV, "user,pass\na,b,c\n", "line 2: 3 fields, but the header has 2 columns"},
		{"bad quote", FormatCSV, "user\n\"a\"b\n", "line 2:"},
		{"json not object", FormatJSONL, "{\"a\":1}\n[1,2]\n", "line 2: a row must be a JSON object, not an array"},
		{"json nested", FormatJSONL, `{"a":{"b":1}}`, `line 1: field "a" is an object`},
		{"json array value", FormatJSONL, `{"a":[1]}`, `line 1: field "a" is an array`},
		{"json duplicate", FormatJSONL, `{"a":1,"a":2}`, `line 1: field "a" appears twice`},
		{"json two objects", FormatJSONL, `{"a":1}{"b":2}`, "line 1: text after the object"},
		{"json unclosed", FormatJSONL, "{\"a\":1\n", "line 1: not JSON: the object is not closed on its line"},
		{"json garbage", FormatJSONL, "{\"a\":1}\n{nope}\n", "line 2: not JSON"},
		{"json empty name", FormatJSONL, `{"":1}`, "line 1: a field has an empty name"},
		{"no header: a password", FormatCSV, "alice,p@ss!w0rd,mx1\nbob,x,mx2\n", "line 1: the first line is not a header: field 2 is not a column name"},
		{"no header: an address", FormatAuto, "alice@example.com,secret\n", "line 1: the first line is not a header: field 1 is not a column name"},
		{"no header: a number", FormatCSV, "user,2024\n", "field 2 is not a column name"},
		{"a JSON array", FormatAuto, "[{\"user\":\"a\"}]\n", "line 1: a JSON array: rows are JSON Lines"},
		{"semicolons", FormatCSV, "user;pass;host\na;b;c\n", "field 1 is not a column name (fields are separated by ','"},
		{"json Lines in a .csv", FormatCSV, `{"user":"a","bad name!":"x"}`, "line 1: field 2 has a name that is not a column name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadRows(strings.NewReader(tt.input), tt.format)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
			// What may be a secret is never quoted back.
			for _, v := range []string{"p@ss!w0rd", "secret", "2024"} {
				if strings.Contains(tt.input, v) && strings.Contains(err.Error(), v) {
					t.Errorf("the error quotes %q: %v", v, err)
				}
			}
		})
	}
}

func TestReadRowsFile(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "rows.csv")
	os.WriteFile(csvPath, []byte("user\na\nb,c\n"), 0o600)
	_, err := ReadRowsFile(csvPath)
	if err == nil || err.Error() != csvPath+":3: 2 fields, but the header has 1 columns" {
		t.Errorf("error = %v", err)
	}
	// The content wins over the extension: JSON Lines named .csv are JSON
	// Lines (read as CSV they were one "header" and no rows).
	os.WriteFile(csvPath, []byte(`{"user":"a","pass":"p1"}`+"\n"+`{"user":"b","pass":"p2"}`+"\n"), 0o600)
	rows, err := ReadRowsFile(csvPath)
	if err != nil || len(rows) != 2 || rows[1].Fields["user"] != "b" {
		t.Errorf("rows %+v, err %v", rows, err)
	}
	// ... so a .csv starting with '{' must be JSON.
	os.WriteFile(csvPath, []byte("{x\n1\n"), 0o600)
	if _, err := ReadRowsFile(csvPath); err == nil || !strings.Contains(err.Error(), ":1: not JSON") {
		t.Errorf("{x as CSV: %v", err)
	}
	ndjson := filepath.Join(dir, "rows.ndjson")
	os.WriteFile(ndjson, []byte(`{"user":"a"}`+"\n"), 0o600)
	if rows, err := ReadRowsFile(ndjson); err != nil || rows[0].Fields["user"] != "a" {
		t.Errorf("ndjson: %+v %v", rows, err)
	}
	if _, err := ReadRowsFile(filepath.Join(dir, "missing.csv")); err == nil {
		t.Error("missing file: no error")
	}
}

func TestFormatOf(t *testing.T) {
	for name, want := range map[string]Format{
		"a.csv": FormatCSV, "A.CSV": FormatCSV, "a.jsonl": FormatJSONL, "a.ndjson": FormatJSONL,
		"a.json": FormatJSONL, "a.txt": FormatAuto, "rows": FormatAuto, "/dev/stdin": FormatAuto,
	} {
		if got := FormatOf(name); got != want {
			t.Errorf("FormatOf(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestKey(t *testing.T) {
	row := func(kv ...string) Row {
		r := Row{Index: 7, Fields: map[string]string{}}
		for i := 0; i < len(kv); i += 2 {
			r.Order = append(r.Order, kv[i])
			r.Fields[kv[i]] = kv[i+1]
		}
		return r
	}
	tests := []struct {
		name   string
		row    Row
		secret []string
		want   string
	}{
		{"key column wins", row("user", "alice", "key", "k1"), nil, "k1"},
		{"user", row("host", "mx", "email", "a@x", "user", "alice"), nil, "alice"},
		{"case-insensitive", row("Email", "a@x"), nil, "a@x"},
		{"empty key falls through", row("key", "", "login", "l1"), nil, "l1"},
		{"mailbox", row("mailbox", "INBOX.a"), nil, "INBOX.a"},
		{"none", row("host", "mx"), nil, "row 7"},
		{"secret column is never the key", row("user", "alice-secret-name", "host", "mx"), []string{"user"}, "row 7"},
		{"control characters escaped", row("user", "a\nb\x1b"), nil, `a\nb\x1b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := []Row{tt.row}
			MarkSecrets(rows, transcript.NewSecrets(), tt.secret...)
			if got := rows[0].Key(); got != tt.want {
				t.Errorf("Key() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestIsSecretColumn(t *testing.T) {
	tests := []struct {
		name  string
		extra []string
		want  bool
	}{
		{"pass", nil, true}, {"Password", nil, true}, {"passwd", nil, true}, {"imap_password", nil, true},
		{"api-token", nil, true}, {"Client Secret", nil, true}, {"pwd", nil, true}, {"passphrase", nil, true},
		{"passthrough", nil, false}, {"tokens_used", nil, false}, {"key", nil, false}, {"user", nil, false},
		{"pin", []string{"PIN"}, true}, {"pin", nil, false},
	}
	for _, tt := range tests {
		if got := IsSecretColumn(tt.name, tt.extra...); got != tt.want {
			t.Errorf("IsSecretColumn(%q, %q) = %v, want %v", tt.name, tt.extra, got, tt.want)
		}
	}
}

func TestMarkSecretsRegistersValues(t *testing.T) {
	rows, err := ReadRows(strings.NewReader("user,pass,pin\nalice,s3cretA,9911\nbob,s3cretB,9922\n"), FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	s := transcript.NewSecrets()
	MarkSecrets(rows, s, "pin")
	got := s.Mask("alice s3cretA bob s3cretB 9911 9922")
	if want := "alice *** bob *** *** ***"; got != want {
		t.Errorf("Mask = %q, want %q", got, want)
	}
	if diff := cmp.Diff(map[string]string{"user": "bob"}, publicColumns(rows[1])); diff != "" {
		t.Errorf("publicColumns (-want +got):\n%s", diff)
	}
	// A second call adds to what the first found.
	MarkSecrets(rows, s)
	if !rows[0].Secret["pin"] || !rows[0].Secret["pass"] {
		t.Errorf("Secret after second call = %v", rows[0].Secret)
	}
}

// FuzzReadRows: any input gives rows or a RowsError, never a panic; a
// row's columns are always column names, and CSV rows have the header's.
func FuzzReadRows(f *testing.F) {
	for _, seed := range []string{
		"user,pass,host\nalice,s3cret,mx1\n",
		"\xef\xbb\xbfuser , note\r\n\r\n\"a,b\",\"x\"\r\n",
		`{"user":"alice","n":7,"gone":null}` + "\n",
		"alice,p@ss,mx\n",
		"{x\n1\n",
		"user\n\"a\"b\n",
		"",
	} {
		f.Add(seed, uint8(0))
		f.Add(seed, uint8(1))
		f.Add(seed, uint8(2))
	}
	f.Fuzz(func(t *testing.T, input string, format uint8) {
		rows, err := ReadRows(strings.NewReader(input), Format(format%3))
		if err != nil {
			return
		}
		for _, r := range rows {
			for _, name := range r.Order {
				if !columnName(name) {
					t.Fatalf("column %q is not a column name", name)
				}
				if _, ok := r.Fields[name]; !ok {
					t.Fatalf("column %q has no field", name)
				}
			}
		}
	})
}
