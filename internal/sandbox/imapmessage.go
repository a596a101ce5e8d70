package sandbox

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// Message parsing for FETCH and SEARCH. go-imap's helpers re-serialise the
// header, so the whole-message, HEADER and TEXT sections are cut from the
// stored bytes here: BODY[] must be byte for byte what SMTP delivered.

func newBytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

func bodySection(raw []byte, bs *imap.FetchItemBodySection) []byte {
	if len(bs.Part) > 0 || len(bs.HeaderFields) > 0 || len(bs.HeaderFieldsNot) > 0 {
		return imapserver.ExtractBodySection(newBytesReader(raw), bs)
	}
	var data []byte
	switch bs.Specifier {
	case imap.PartSpecifierNone:
		data = raw
	case imap.PartSpecifierHeader:
		data = headerAndLines(raw, 0)
	case imap.PartSpecifierText:
		data = raw[len(headerAndLines(raw, 0)):]
	default:
		return imapserver.ExtractBodySection(newBytesReader(raw), bs)
	}
	return partialOf(data, bs.Partial)
}

// partialOf applies a <offset.size> partial fetch.
func partialOf(data []byte, p *imap.SectionPartial) []byte {
	if p == nil {
		return data
	}
	if p.Offset >= int64(len(data)) {
		return nil
	}
	end := int64(len(data))
	if p.Size >= 0 && p.Offset+p.Size < end {
		end = p.Offset + p.Size
	}
	return data[p.Offset:end]
}

func envelopeOf(raw []byte) *imap.Envelope {
	h, err := textproto.ReadHeader(bufio.NewReader(newBytesReader(raw)))
	if err != nil {
		return &imap.Envelope{}
	}
	return imapserver.ExtractEnvelope(h)
}

func entityOf(raw []byte) *gomessage.Entity {
	// An unknown charset or transfer encoding still yields an entity whose
	// body is the undecoded bytes, which is what a substring search wants.
	e, _ := gomessage.Read(newBytesReader(raw))
	if e == nil {
		e, _ = gomessage.New(gomessage.Header{}, newBytesReader(nil))
	}
	return e
}

// matchSearch is SEARCH (RFC 3501 section 6.4.4) over one message. All
// fields of a criteria must match; dates compare by day, ignoring time
// and zone; string keys are case-insensitive substrings.
func matchSearch(msg *message, seq uint32, c *imap.SearchCriteria, lastSeq, lastUID uint32) bool {
	for _, set := range c.SeqNum {
		if !numSetContains(set, seq, lastSeq) {
			return false
		}
	}
	for _, set := range c.UID {
		if !numSetContains(uidRanges(set), uint32(msg.uid), lastUID) {
			return false
		}
	}
	if !matchDay(msg.received, c.Since, c.Before) {
		return false
	}
	for _, f := range c.Flag {
		if !msg.hasFlag(f) {
			return false
		}
	}
	for _, f := range c.NotFlag {
		if msg.hasFlag(f) {
			return false
		}
	}
	size := int64(len(msg.raw))
	if (c.Larger != 0 && size <= c.Larger) || (c.Smaller != 0 && size >= c.Smaller) {
		return false
	}
	if len(c.Header) > 0 || !c.SentSince.IsZero() || !c.SentBefore.IsZero() {
		header := mail.Header{Header: entityOf(msg.raw).Header}
		for _, hc := range c.Header {
			if !matchHeaderField(header.FieldsByKey(hc.Key), hc.Value) {
				return false
			}
		}
		if !c.SentSince.IsZero() || !c.SentBefore.IsZero() {
			date, err := header.Date()
			if err != nil || !matchDay(date, c.SentSince, c.SentBefore) {
				return false
			}
		}
	}
	for _, text := range c.Text {
		if !matchEntity(entityOf(msg.raw), text, true) {
			return false
		}
	}
	for _, body := range c.Body {
		if !matchEntity(entityOf(msg.raw), body, false) {
			return false
		}
	}
	for i := range c.Not {
		if matchSearch(msg, seq, &c.Not[i], lastSeq, lastUID) {
			return false
		}
	}
	for _, or := range c.Or {
		if !matchSearch(msg, seq, &or[0], lastSeq, lastUID) && !matchSearch(msg, seq, &or[1], lastSeq, lastUID) {
			return false
		}
	}
	return true
}

func matchDay(t, since, before time.Time) bool {
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if !since.IsZero() && day.Before(since) {
		return false
	}
	if !before.IsZero() && !day.Before(before) {
		return false
	}
	return true
}

func matchHeaderField(fields gomessage.HeaderFields, value string) bool {
	if value == "" {
		return fields.Len() > 0
	}
	value = strings.ToLower(value)
	for fields.Next() {
		text, err := fields.Text()
		if err != nil {
			text = fields.Value()
		}
		if strings.Contains(strings.ToLower(text), value) {
			return true
		}
	}
	return false
}

// matchEntity looks for value in the text parts of a message (and in its
// header fields when withHeader, for SEARCH TEXT).
func matchEntity(e *gomessage.Entity, value string, withHeader bool) bool {
	if withHeader && matchHeaderField(e.Header.Fields(), value) {
		return true
	}
	if mr := e.MultipartReader(); mr != nil {
		for {
			part, err := mr.NextPart()
			if err != nil {
				return false
			}
			if matchEntity(part, value, withHeader) {
				return true
			}
		}
	}
	mediaType, _, _ := e.Header.ContentType()
	if mediaType != "" && !strings.HasPrefix(mediaType, "text/") && !strings.HasPrefix(mediaType, "message/") {
		return false
	}
	body, err := io.ReadAll(e.Body)
	if err != nil && len(body) == 0 {
		return false
	}
	return bytes.Contains(bytes.ToLower(body), bytes.ToLower([]byte(value)))
}
