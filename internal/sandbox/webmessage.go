package sandbox

import (
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mailexpect/mailexpect/runtime/mime"
)

// WebMessage is one stored message as the web view and its JSON API show
// it: the parsed envelope fields, the readable parts and the attachments.
type WebMessage struct {
	ID          string          `json:"id"` // "demo1/INBOX/3": user, mailbox (path-escaped), UID
	User        string          `json:"user"`
	Mailbox     string          `json:"mailbox"`
	UID         uint32          `json:"uid"`
	From        string          `json:"from"`
	To          string          `json:"to"`
	Subject     string          `json:"subject"` // RFC 2047 decoded
	Date        *time.Time      `json:"date"`    // the Date: header; null when missing or unreadable
	Received    time.Time       `json:"received"`
	Size        int             `json:"size"`
	Flags       []string        `json:"flags"`
	Attachments []WebAttachment `json:"attachments"`
	URL         string          `json:"url"` // the message's page
	// ParseError says why the message could not be read as MIME; the raw
	// source is still there.
	ParseError string `json:"parse_error,omitempty"`

	// The detail view only (GET /api/messages/ID):
	Headers []WebHeader `json:"headers,omitempty"` // in order, RFC 2047 decoded
	Text    *string     `json:"text,omitempty"`    // the first text/plain part
	HTML    *string     `json:"html,omitempty"`    // the first text/html part
	RawURL  string      `json:"raw_url,omitempty"`

	raw []byte
}

// WebHeader is one header field.
type WebHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// WebAttachment is one attached file.
type WebAttachment struct {
	Index int    `json:"index"` // 1-based, among the message's attachments
	Name  string `json:"name"`
	Type  string `json:"type"`
	Size  int    `json:"size"`
	URL   string `json:"url"`

	body []byte
}

// messageID is the path form of a message: user/mailbox/uid, the mailbox
// escaped so that "Archive/2024" stays one segment.
func messageID(user, mailbox string, uid uint32) string {
	return url.PathEscape(user) + "/" + url.PathEscape(mailbox) + "/" + strconv.FormatUint(uint64(uid), 10)
}

// newWebMessage reads a stored message; detail adds headers, text, HTML.
func newWebMessage(user, mailbox string, sm StoredMessage, detail bool) *WebMessage {
	id := messageID(user, mailbox, sm.UID)
	m := &WebMessage{
		ID: id, User: user, Mailbox: mailbox, UID: sm.UID,
		Received: sm.Received, Size: len(sm.Raw), Flags: sm.Flags,
		Attachments: []WebAttachment{}, URL: "/message/" + id, raw: sm.Raw,
	}
	if m.Flags == nil {
		m.Flags = []string{}
	}
	p, err := mime.Parse(sm.Raw)
	if err != nil {
		m.ParseError = err.Error()
		// The header may still be readable on its own.
		if msg, herr := mail.ReadMessage(strings.NewReader(string(sm.Raw))); herr == nil {
			m.Subject, m.From, m.To = msg.Header.Get("Subject"), msg.Header.Get("From"), msg.Header.Get("To")
		}
		return m
	}
	m.Subject, m.From, m.To = p.Get("Subject"), p.Get("From"), p.Get("To")
	if d, err := mail.ParseDate(p.Get("Date")); err == nil {
		m.Date = &d
	}
	var text, html *string
	p.Walk(func(q *mime.Part) {
		switch {
		case q.Parts != nil:
		case q.IsAttachment() || (!strings.HasPrefix(q.Type, "text/") && q.Type != "message/rfc822"):
			a := WebAttachment{Index: len(m.Attachments) + 1, Name: q.Filename, Type: q.Type, Size: len(q.Body), body: q.Body}
			if a.Name == "" {
				a.Name = fmt.Sprintf("part%d", a.Index)
			}
			a.URL = fmt.Sprintf("/message/%s/attachment/%d", id, a.Index)
			m.Attachments = append(m.Attachments, a)
		case q.Type == "text/html" && html == nil:
			s := string(q.Body)
			html = &s
		case text == nil:
			s := string(q.Body)
			text = &s
		}
	})
	if detail {
		for _, f := range p.Header {
			m.Headers = append(m.Headers, WebHeader{f.Name, f.Value})
		}
		m.Text, m.HTML = text, html
		m.RawURL = "/message/" + id + "/raw"
	}
	return m
}
