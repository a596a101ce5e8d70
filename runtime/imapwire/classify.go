package imapwire

import "strings"

// Class is what a command's own words say about it, for a client that
// guards deletions (a dry run refuses what removes messages; a bulk run
// makes it a commit point).
type Class struct {
	// Verb is the command name, upper case; "UID STORE" for a UID
	// command.
	Verb string
	// Mailbox is the mailbox a SELECT or EXAMINE opens, or a DELETE or
	// RENAME takes away ("INBOX" in any case is INBOX, RFC 9051 5.1), as
	// on the wire (modified UTF-7 unless UTF8=ACCEPT); "" for other
	// commands.
	Mailbox string
	// Target is where a RENAME, COPY or MOVE puts messages (the new name,
	// the destination mailbox), as on the wire; "" for other commands.
	Target string
	// Removes says why the command removes messages by itself: "EXPUNGE",
	// "MOVE", "DELETE" (a mailbox), "RENAME" (its messages leave the old
	// name), "STORE of \Deleted", with "UID " in front for UID commands;
	// "" when it does not. CLOSE, which expunges only a read-write
	// mailbox, depends on the session and is left to the caller.
	Removes string
}

// Classify reads a command given as Start takes it. A raw argument may
// hold several words (a whole command line): it is read with the response
// grammar (atoms, quoted strings, parenthesised lists), so a quoted
// mailbox name is unquoted and a flag list is looked into. A string or
// literal argument is a value: never a verb, an item name or a flag.
func Classify(args ...Arg) Class {
	var words []Node
	for _, a := range args {
		if a.form != formRaw {
			words = append(words, Node{Kind: KindString, Text: a.text})
			continue
		}
		s := &scanner{line: a.text}
		nodes, err := s.values(0)
		if err != nil {
			// Not in the response grammar (a literal announcement, a stray
			// parenthesis): the words as they are.
			nodes = nodes[:0]
			for _, w := range strings.Fields(a.text) {
				nodes = append(nodes, Node{Kind: KindAtom, Text: strings.Trim(w, "()")})
			}
		}
		words = append(words, nodes...)
	}
	var c Class
	verb, rest := atomAt(words, 0), words
	if len(rest) > 0 {
		rest = rest[1:]
	}
	uid := ""
	if verb == "UID" {
		uid, verb = "UID ", atomAt(words, 1)
		if len(rest) > 0 {
			rest = rest[1:]
		}
	}
	c.Verb = uid + verb
	switch verb {
	case "EXPUNGE", "MOVE", "DELETE", "RENAME":
		c.Removes = uid + verb
	}
	switch verb {
	case "SELECT", "EXAMINE", "DELETE", "RENAME":
		c.Mailbox = mailboxAt(rest, 0)
		if verb == "RENAME" {
			c.Target = mailboxAt(rest, 1)
		}
	case "COPY", "MOVE":
		// sequence set, then the mailbox
		c.Target = mailboxAt(rest, 1)
	case "STORE":
		if storesDeleted(rest) {
			c.Removes = uid + `STORE of \Deleted`
		}
	}
	return c
}

// storesDeleted reports whether the arguments after STORE (sequence set,
// modifiers, item, flags) set \Deleted: an item FLAGS or +FLAGS (with or
// without .SILENT) followed by \Deleted, alone or in a list.
func storesDeleted(rest []Node) bool {
	for i, n := range rest {
		if n.Kind != KindAtom {
			continue
		}
		item := strings.ToUpper(n.Text)
		if !strings.HasPrefix(strings.TrimLeft(item, "+-"), "FLAGS") {
			continue
		}
		if item[0] == '-' {
			return false
		}
		for _, f := range rest[i+1:] {
			if hasDeleted(f) {
				return true
			}
		}
		return false
	}
	return false
}

// hasDeleted reports whether n is \Deleted or a list holding it. A quoted
// "\Deleted" counts too: it is not a flag in RFC 9051's grammar, but a
// lenient server may take it for one, and a guard errs on the safe side.
func hasDeleted(n Node) bool {
	switch n.Kind {
	case KindAtom, KindString:
		return strings.EqualFold(n.Text, `\Deleted`)
	case KindList:
		for _, e := range n.List {
			if hasDeleted(e) {
				return true
			}
		}
	}
	return false
}

// mailboxAt returns the mailbox name at words[i], "" when there is none.
func mailboxAt(words []Node, i int) string {
	if i >= len(words) {
		return ""
	}
	name := nodeText(words[i])
	if strings.EqualFold(name, "INBOX") {
		return "INBOX"
	}
	return name
}

// atomAt returns words[i] upper-cased when it is an atom, else "".
func atomAt(words []Node, i int) string {
	if i >= len(words) || words[i].Kind != KindAtom {
		return ""
	}
	return strings.ToUpper(words[i].Text)
}

func nodeText(n Node) string {
	if n.Kind == KindNil {
		return "NIL"
	}
	return n.Text
}
