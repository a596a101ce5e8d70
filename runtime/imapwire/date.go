package imapwire

import (
	"strings"
	"time"
)

// The IMAP date forms (RFC 9051 9): a SEARCH date ("1-Jan-2024") and the
// date-time of INTERNALDATE and APPEND (" 1-Jan-2024 10:00:00 +0000", the
// day padded with a space).
const (
	dateLayout     = "2-Jan-2006"
	dateTimeLayout = "_2-Jan-2006 15:04:05 -0700"
)

// FormatDate returns the day of t in UTC as a SEARCH date: SINCE, BEFORE,
// SENTBEFORE and the like compare by day.
func FormatDate(t time.Time) string { return t.UTC().Format(dateLayout) }

// ParseDateTime parses an INTERNALDATE value. Month names are matched
// without regard to case; spaces around the value are ignored.
func ParseDateTime(s string) (time.Time, error) {
	return time.Parse(dateTimeLayout, strings.TrimSpace(s))
}
