// Package imapwire reads and writes IMAP on the wire: it turns the server's
// bytes into whole responses with parsed value trees, and sends tagged
// commands whose string arguments are quoted or sent as literals.
//
// It sits below the Lua imap module and any matcher. The framing rule that
// matters most: a literal ({n}, {n+}, ~{n}) is read here by byte count,
// never as lines, so a message body that contains "A004 OK" or "* BYE"
// is data and can never complete a command or trip a guard (the bug that
// desynchronised curl, curl/curl#22865).
//
// The layers, each in its own file:
//
//	value.go     Node: atoms, numbers, quoted strings, literals, lists, NIL
//	reader.go    Reader: one whole response per call from a Source
//	scan.go      the value grammar, relaxed where real servers stray
//	literal.go   literal framing: bounded chunks, a size cap, streaming sinks
//	response.go  Response: tagged, untagged, continuation; status text and [CODE args]
//	fetch.go     FETCH item lists as (upper-cased name, value) pairs
//	command.go   Tagger and Arg: how a command and its arguments are encoded
//	client.go    Client: send commands (pipelined), match completions by tag
//	source.go    Sources and Transports over an io.Reader or a runtime/session
//
// Untagged responses are attributed to the oldest outstanding command: the
// IMAP stream does not say which command they belong to, servers answer
// commands in order, and that is the only rule that needs no guessing. They
// are also delivered, in arrival order, to Client.OnUntagged.
//
// Errors are *failure.Error: KindProtocol for bytes that break the grammar
// (the message quotes them, %q, clipped, on one line), KindFull for a
// literal over the in-memory limit, and the session's own kinds (eof,
// timeout) for the transport. A server's "* BYE" outside LOGOUT ends the
// conversation with a KindEOF error carrying the BYE text; a BYE greeting
// is a KindReply error.
package imapwire
