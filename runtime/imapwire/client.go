package imapwire

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// Command is one tagged command and what the server said to it.
type Command struct {
	Tag  string
	Name string // the command name, upper-cased: "NOOP", "UID FETCH"
	Text string // the command as sent, secrets as ***, literals as {n}

	// Untagged holds the untagged responses attributed to this command:
	// those that arrived while it was the oldest outstanding command.
	Untagged []*Response

	// Completion is the tagged OK, NO or BAD; nil while outstanding.
	Completion *Response

	held     int64 // memory cost of Untagged (see Client.MaxUntagged)
	literals int64 // bytes of Untagged's literals held in memory
}

// Done reports whether the command has its tagged completion.
func (c *Command) Done() bool { return c.Completion != nil }

// Client sends tagged commands over a Transport and files the responses:
// tagged completions by tag, whatever their order, untagged responses to
// the oldest outstanding command.
//
// Several commands may be outstanding at once (pipelining): Start each,
// then Wait for each in any order. A Client is not safe for concurrent
// use.
type Client struct {
	// LiteralPlus: the server has LITERAL+ (RFC 7888), so literals are
	// sent as {n+} without waiting for "+". LiteralMinus: LITERAL-, the
	// same for literals of at most 4096 bytes.
	LiteralPlus, LiteralMinus bool

	// OnUntagged, when set, sees every untagged response in arrival
	// order: the stream of mailbox events (EXISTS, EXPUNGE, FETCH FLAGS)
	// whatever command they are attributed to.
	OnUntagged func(*Response)

	Tags Tagger

	// MaxUntagged bounds what the untagged responses filed to one command
	// may hold in memory: the bytes of their lines plus untaggedOverhead
	// per response (0: DefaultMaxUntagged; negative: no bound). Their
	// literals held in memory are bounded together by the Reader's
	// MaxLiteral. A server that answers a command with untagged data
	// without end fails the command with a KindFull error instead of
	// growing the process until the timeout.
	MaxUntagged int64

	t       Transport
	r       *Reader
	pending []*Command // outstanding, oldest first
	bye     *Response
	broken  error // the conversation cannot go on
	label   string
}

// DefaultMaxUntagged is the default of Client.MaxUntagged: room for the
// FETCH (UID FLAGS) lines of a mailbox of several hundred thousand
// messages.
const DefaultMaxUntagged = 64 << 20

// untaggedOverhead is what a parsed response costs beyond its bytes (the
// Response, its Nodes and slices), counted so that a flood of tiny lines
// ("* 1 EXISTS") is bounded by memory, not by line bytes.
const untaggedOverhead = 256

// NewClient returns a Client over t.
func NewClient(t Transport) *Client {
	c := &Client{t: t, r: NewReader(t), label: "imap"}
	if l, ok := t.(interface{ Label() string }); ok && l.Label() != "" {
		c.label = l.Label()
	}
	return c
}

// Reader returns the Client's response reader, to set MaxLiteral or Sink.
func (c *Client) Reader() *Reader { return c.r }

// Pending returns the outstanding commands, oldest first.
func (c *Client) Pending() []*Command { return slices.Clone(c.pending) }

// Bye returns the server's "* BYE" response, or nil if none came.
func (c *Client) Bye() *Response { return c.bye }

// Err returns the error that ended the conversation, or nil.
func (c *Client) Err() error { return c.broken }

// Greeting reads the server's greeting. "* OK" and "* PREAUTH" are
// returned; "* BYE" (the server refuses the connection) is returned with a
// KindReply error whose Reply.Status is "BYE"; anything else is a
// KindProtocol error.
func (c *Client) Greeting() (*Response, error) {
	resp, err := c.read()
	if err != nil {
		return nil, err
	}
	if resp.Type == Untagged {
		switch resp.Name {
		case "OK", "PREAUTH":
			return resp, nil
		case "BYE":
			c.bye = resp
			c.broken = &failure.Error{Kind: failure.Reply, Stage: "greeting",
				Reply:   &failure.ServerReply{Status: "BYE", Lines: []string{resp.Text}, Text: resp.Text},
				Message: fmt.Sprintf("%s: the server refused the connection: %s", c.label, clip(resp.String()))}
			return resp, c.broken
		}
	}
	c.broken = failure.New(failure.Protocol, "%s: expected a greeting (* OK, * PREAUTH or * BYE), got %s", c.label, clip(resp.String()))
	return resp, c.broken
}

// Start sends a command without waiting for its completion. The string
// form is one RawArg holding the whole line ("UID SEARCH ALL").
//
// A string sent as a synchronizing literal makes Start wait for the
// server's "+" (filing any responses that come first). If the server
// refuses the literal with a tagged NO or BAD, the rest of the command is
// not sent and the command is returned completed.
func (c *Client) Start(args ...Arg) (*Command, error) {
	if c.broken != nil {
		return nil, c.broken
	}
	tag := c.Tags.Next()
	pieces, shown, err := encodeCommand(tag, args, literalMode{plus: c.LiteralPlus, minus: c.LiteralMinus})
	if err != nil {
		return nil, err
	}
	cmd := &Command{Tag: tag, Name: commandName(args), Text: shown}
	c.pending = append(c.pending, cmd)
	for _, p := range pieces {
		if err := c.t.Send(p.data, p.secret); err != nil {
			// Part of a command may be on the wire: the server's idea of
			// where the next command starts is unknown.
			c.broken = err
			return cmd, err
		}
		if !p.awaitCont {
			continue
		}
		for {
			resp, err := c.Next()
			if err != nil {
				// Half the command is on the wire and the server waits
				// for the rest.
				if c.broken == nil {
					c.broken = err
				}
				return cmd, err
			}
			if cmd.Done() {
				return cmd, nil // the literal was refused
			}
			if resp.Type == Continuation {
				break
			}
		}
	}
	return cmd, nil
}

// Wait reads responses until cmd has its tagged completion and returns
// nil, nil. A continuation request ("+ ...") that no literal asked for —
// AUTHENTICATE's challenge, IDLE's "+ idling" — stops it: Wait returns that
// response with cmd still outstanding, for the caller to answer with
// SendLine and Wait again. After a timeout between responses (kind
// timeout, Err nil) the command is still outstanding and Wait may be
// called again.
func (c *Client) Wait(cmd *Command) (*Response, error) {
	if !cmd.Done() && !slices.Contains(c.pending, cmd) {
		return nil, failure.New(failure.Usage, "%s: Wait on %s, which this client is not running", c.label, cmd.Tag)
	}
	for !cmd.Done() {
		resp, err := c.Next()
		if err != nil {
			return nil, err
		}
		if resp.Type == Continuation {
			return resp, nil
		}
	}
	return nil, nil
}

// Do sends a command and waits for its completion. A continuation
// request it cannot answer is a KindProtocol error, and the client is
// done: the server is waiting for data that will not come.
func (c *Client) Do(args ...Arg) (*Command, error) {
	cmd, err := c.Start(args...)
	if err != nil {
		return cmd, err
	}
	cont, err := c.Wait(cmd)
	if err != nil {
		return cmd, err
	}
	if cont != nil {
		c.broken = failure.New(failure.Protocol, "%s: the server asks for more (%s) but %s has nothing more to send", c.label, clip(cont.String()), cmd.Text)
		return cmd, c.broken
	}
	return cmd, nil
}

// SendLine sends one line (an AUTHENTICATE response, IDLE's DONE). CR,
// LF and NUL inside are refused (kind injection).
func (c *Client) SendLine(line string, secret bool) error {
	if c.broken != nil {
		return c.broken
	}
	if i := strings.IndexAny(line, "\r\n\x00"); i >= 0 {
		return failure.New(failure.Injection, "%s: refusing to send a line containing %q at byte %d", c.label, line[i], i)
	}
	if err := c.t.Send([]byte(line+"\r\n"), secret); err != nil {
		c.broken = err
		return err
	}
	return nil
}

// Next reads one response and files it: a tagged completion to its
// command, an untagged response to the oldest outstanding command and
// OnUntagged. It returns the response; a continuation request is returned
// unfiled.
//
// A "* BYE" while no LOGOUT is outstanding ends the conversation with a
// KindEOF error that quotes it: the server is closing, and reading on
// would only wait for a timeout if it lingers.
func (c *Client) Next() (*Response, error) {
	c.r.literalRoom = -1
	if len(c.pending) > 0 {
		if limit := c.r.maxLiteral(); limit >= 0 {
			c.r.literalRoom = max(0, limit-c.pending[0].literals)
		}
	}
	resp, err := c.read()
	if resp == nil {
		return nil, err
	}
	switch resp.Type {
	case Tagged:
		i := slices.IndexFunc(c.pending, func(cmd *Command) bool { return cmd.Tag == resp.Tag })
		if i < 0 {
			c.broken = failure.New(failure.Protocol, "%s: tagged response for %s, which no command is waiting for: %s", c.label, resp.Tag, clip(resp.String()))
			return nil, c.broken
		}
		c.pending[i].Completion = resp
		c.pending = slices.Delete(c.pending, i, i+1)
	case Untagged:
		if len(c.pending) > 0 {
			cmd := c.pending[0]
			cmd.Untagged = append(cmd.Untagged, resp)
			cmd.held += c.r.lineBytes + untaggedOverhead
			cmd.literals += c.r.literalHeld
			if limit := c.maxUntagged(); limit >= 0 && cmd.held > limit {
				c.broken = &failure.Error{Kind: failure.Full, Stage: cmd.Name,
					Message: fmt.Sprintf("%s: %d untagged responses (%d bytes of lines) came for %s without its completion, more than the %d bytes held for one command; last: %s",
						c.label, len(cmd.Untagged), cmd.held-int64(len(cmd.Untagged))*untaggedOverhead, cmd.Text, limit, clip(resp.String()))}
				cmd.Untagged = nil // the command is lost; let the memory go
				return nil, c.broken
			}
		}
		if c.OnUntagged != nil {
			c.OnUntagged(resp)
		}
		if resp.Name == "BYE" {
			c.bye = resp
			if !c.loggingOut() {
				c.broken = &failure.Error{Kind: failure.EOF, Stage: c.stage(),
					Message: fmt.Sprintf("%s: the server said goodbye%s: %s", c.label, c.waitingFor(), clip(resp.String()))}
				return resp, c.broken
			}
		}
	}
	return resp, err
}

// read reads one response, keeping the client's state in step with the
// reader's. A response comes back with an error only when a literal sink
// failed; the stream is still in step then.
func (c *Client) read() (*Response, error) {
	if c.broken != nil {
		return nil, c.broken
	}
	resp, err := c.r.ReadResponse()
	if err != nil && c.r.Err() != nil {
		c.broken = err
		if c.bye != nil && failure.Is(err, failure.EOF) {
			e := *err.(*failure.Error)
			e.Message += " after " + clip(c.bye.String())
			c.broken = &e
		}
		return nil, c.broken
	}
	return resp, err
}

func (c *Client) maxUntagged() int64 {
	if c.MaxUntagged == 0 {
		return DefaultMaxUntagged
	}
	return c.MaxUntagged
}

func (c *Client) loggingOut() bool {
	return slices.ContainsFunc(c.pending, func(cmd *Command) bool { return cmd.Name == "LOGOUT" })
}

func (c *Client) stage() string {
	if len(c.pending) > 0 {
		return c.pending[0].Name
	}
	return ""
}

func (c *Client) waitingFor() string {
	if len(c.pending) == 0 {
		return ""
	}
	return " while " + c.pending[0].Text + " was outstanding"
}

// commandName is the first word of the command, upper-cased; for UID
// commands the first two ("UID FETCH").
func commandName(args []Arg) string {
	var words []string
	for _, a := range args {
		if a.form != formRaw {
			break
		}
		words = append(words, strings.Fields(a.text)...)
		if len(words) >= 2 {
			break
		}
	}
	if len(words) == 0 {
		return ""
	}
	name := strings.ToUpper(words[0])
	if name == "UID" && len(words) > 1 {
		name += " " + strings.ToUpper(words[1])
	}
	return name
}
