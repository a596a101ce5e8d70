package imapwire_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/mailexpect/mailexpect/runtime/imapwire"
)

func ExampleReader() {
	wire := "* 1 FETCH (UID 7 FLAGS (\\Seen) BODY[] {16}\r\nA001 OK (fake)\r\n)\r\n" +
		"A001 OK Fetch completed.\r\n"
	r := imapwire.NewReader(imapwire.FromReader(strings.NewReader(wire)))
	resp, _ := r.ReadResponse()
	seq, items, _ := resp.Fetch()
	for _, it := range items {
		fmt.Println(seq, it.Name, it.Value)
	}
	done, _ := r.ReadResponse()
	fmt.Println(done.Tag, done.Name, done.Text)
	// Output:
	// 1 UID 7
	// 1 FLAGS (\Seen)
	// 1 BODY[] {16}"A001 OK (fake)\r\n"
	// A001 OK Fetch completed.
}

// A Client over any io.ReadWriter; here the server's side is canned.
func ExampleClient() {
	server := strings.NewReader("* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n" +
		"A001 OK [CAPABILITY IMAP4rev1 LITERAL+ MOVE] Logged in\r\n" +
		"* SEARCH 3 5\r\nA002 OK Search completed\r\n")
	var sent bytes.Buffer
	c := imapwire.NewClient(imapwire.FromReadWriter(struct {
		io.Reader
		io.Writer
	}{server, &sent}))
	greeting, _ := c.Greeting()
	fmt.Println(greeting.Code, greeting.CodeArgs)
	c.LiteralPlus = true
	login, _ := c.Do(imapwire.RawArg("LOGIN"), imapwire.StringArg("alice"), imapwire.StringArg(`pa"ss`).Secret())
	fmt.Println(login.Text, "->", login.Completion.Name)
	search, _ := c.Do(imapwire.RawArg("UID SEARCH SUBJECT"), imapwire.StringArg("Grüße"))
	fmt.Println(search.Untagged[0].Fields)
	fmt.Printf("%q\n", sent.String())
	// Output:
	// CAPABILITY [IMAP4rev1 LITERAL+]
	// A001 LOGIN "alice" *** -> OK
	// [3 5]
	// "A001 LOGIN \"alice\" \"pa\\\"ss\"\r\nA002 UID SEARCH SUBJECT {7+}\r\nGrüße\r\n"
}

// Mailbox names in modified UTF-7 (RFC 3501 5.1.3), both ways.
func ExampleEncodeMailbox() {
	enc, _ := imapwire.EncodeMailbox("Entwürfe & 日本語")
	fmt.Println(enc)
	dec, _ := imapwire.DecodeMailbox(enc)
	fmt.Println(dec)
	_, err := imapwire.DecodeMailbox("&AGE-")
	fmt.Println(err)
	// Output:
	// Entw&APw-rfe &- &ZeVnLIqe-
	// Entwürfe & 日本語
	// modified UTF-7: run at 0: printable ASCII 'a' encoded
}
