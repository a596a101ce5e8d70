package imapwire

import "testing"

func TestClassify(t *testing.T) {
	raw := func(s ...string) []Arg {
		var out []Arg
		for _, x := range s {
			out = append(out, RawArg(x))
		}
		return out
	}
	for _, tc := range []struct {
		name string
		args []Arg
		want Class
	}{
		{"line", raw("UID SEARCH ALL"), Class{Verb: "UID SEARCH"}},
		{"expunge", raw("expunge"), Class{Verb: "EXPUNGE", Removes: "EXPUNGE"}},
		{"uid expunge", raw("UID", "EXPUNGE", "1:5"), Class{Verb: "UID EXPUNGE", Removes: "UID EXPUNGE"}},
		{"uid move", raw("uid move 1 Trash"), Class{Verb: "UID MOVE", Removes: "UID MOVE", Target: "Trash"}},
		{"uid move target", raw("UID MOVE 1:4 Trash"), Class{Verb: "UID MOVE", Removes: "UID MOVE", Target: "Trash"}},
		{"delete", []Arg{RawArg("DELETE"), StringArg("Old")}, Class{Verb: "DELETE", Removes: "DELETE", Mailbox: "Old"}},
		{"delete utf7", []Arg{RawArg("DELETE"), StringArg("Entw&APw-rfe")}, Class{Verb: "DELETE", Removes: "DELETE", Mailbox: "Entw&APw-rfe"}},
		{"delete inbox", raw("delete inbox"), Class{Verb: "DELETE", Removes: "DELETE", Mailbox: "INBOX"}},
		{"rename", raw(`RENAME "a b" c`), Class{Verb: "RENAME", Removes: "RENAME", Mailbox: "a b", Target: "c"}},
		{"rename utf8", []Arg{RawArg("RENAME"), UTF8StringArg("Entwürfe"), UTF8StringArg("日本語")}, Class{Verb: "RENAME", Removes: "RENAME", Mailbox: "Entwürfe", Target: "日本語"}},
		{"copy", []Arg{RawArg("UID COPY 1:3"), StringArg("&ZeVnLIqe-")}, Class{Verb: "UID COPY", Target: "&ZeVnLIqe-"}},
		{"create", raw("CREATE Archive"), Class{Verb: "CREATE"}},
		{"subscribe", raw("SUBSCRIBE Archive"), Class{Verb: "SUBSCRIBE"}},
		{"store deleted", raw(`UID STORE 1:3 +FLAGS.SILENT (\Deleted)`), Class{Verb: "UID STORE", Removes: `UID STORE of \Deleted`}},
		{"store deleted table", raw("STORE", "1", "FLAGS", `(\Seen \deleted)`), Class{Verb: "STORE", Removes: `STORE of \Deleted`}},
		{"store deleted bare", raw(`STORE 1 +FLAGS \Deleted`), Class{Verb: "STORE", Removes: `STORE of \Deleted`}},
		{"store modifier", raw(`STORE 1 (UNCHANGEDSINCE 5) +FLAGS (\Deleted)`), Class{Verb: "STORE", Removes: `STORE of \Deleted`}},
		{"store unset", raw(`UID STORE 1 -FLAGS (\Deleted)`), Class{Verb: "UID STORE"}},
		{"store seen", raw(`STORE 1 +FLAGS (\Seen)`), Class{Verb: "STORE"}},
		// A string is not a flag in the grammar, but a lenient server may
		// take it for one: counted, to be safe.
		{"store string", []Arg{RawArg("STORE 1 +FLAGS"), StringArg(`\Deleted`)}, Class{Verb: "STORE", Removes: `STORE of \Deleted`}},
		{"store quoted", raw(`UID STORE 1 +FLAGS ("\Deleted")`), Class{Verb: "UID STORE", Removes: `UID STORE of \Deleted`}},
		{"string verb store", []Arg{StringArg("STORE"), RawArg(`1 +FLAGS (\Deleted)`)}, Class{}},
		{"select quoted", raw(`SELECT "My \"box\""`), Class{Verb: "SELECT", Mailbox: `My "box"`}},
		{"select inbox", []Arg{RawArg("EXAMINE"), StringArg("inBox")}, Class{Verb: "EXAMINE", Mailbox: "INBOX"}},
		{"select atom", raw("select Archive/2024"), Class{Verb: "SELECT", Mailbox: "Archive/2024"}},
		{"literal", raw("SELECT {3}"), Class{Verb: "SELECT", Mailbox: "{3}"}},
		{"fetch section", raw("UID FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])"), Class{Verb: "UID FETCH"}},
		{"string verb", []Arg{StringArg("EXPUNGE")}, Class{}},
		{"empty", nil, Class{}},
	} {
		if got := Classify(tc.args...); got != tc.want {
			t.Errorf("%s: Classify = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// FuzzClassify: any command line classifies without a panic, and a line
// that starts with EXPUNGE is always found to remove messages.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"UID STORE 1 +FLAGS (\\Deleted)", `SELECT "a\"b"`, "FETCH 1 (BODY[HEADER.FIELDS (A)])", "(((", "{5}", "UID"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		Classify(RawArg(line), StringArg(line))
		if c := Classify(RawArg("EXPUNGE " + line)); c.Removes != "EXPUNGE" {
			t.Errorf("EXPUNGE %q: %+v", line, c)
		}
	})
}
