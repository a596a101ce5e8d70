// Package pyemail reads a message with Python's email package (modern
// policy), for tests that want an independent parser's view of what
// mailexpect composed or delivered: decoded headers, the MIME tree, file
// names and the bytes of each part.
package pyemail

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

//go:embed pyparse.py
var script string

// Message is what Python makes of a message.
type Message struct {
	Defects []string    `json:"defects"`
	Headers [][2]string `json:"headers"` // name, value (decoded), in order
	Parts   []Part      `json:"parts"`   // msg.walk(): the message itself first
}

// Part is one entity of the walk.
type Part struct {
	Type        string   `json:"type"` // get_content_type()
	Multipart   bool     `json:"multipart"`
	Filename    *string  `json:"filename"`    // get_filename(): RFC 2231 decoded
	Disposition *string  `json:"disposition"` // get_content_disposition()
	Data        []byte   `json:"data"`        // get_payload(decode=True)
	Text        *string  `json:"text"`        // get_content() of text/* parts
	Defects     []string `json:"defects"`
}

// Header returns the first decoded value of the named field, or "".
func (m Message) Header(name string) string {
	for _, h := range m.Headers {
		if strings.EqualFold(h[0], name) {
			return h[1]
		}
	}
	return ""
}

// Parse runs python3 on raw. A machine without python3 fails the test:
// .ci/install-servers installs it.
func Parse(t testing.TB, raw []byte) Message {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 reads messages back with an independent parser (.ci/install-servers installs it): %v", err)
	}
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = bytes.NewReader(raw)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	var m Message
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("python output: %v\n%s", err, out)
	}
	return m
}

// WantHeaders fails the test for each message-level defect Python found
// and for each named field whose decoded value differs from want.
func (m Message) WantHeaders(t testing.TB, want map[string]string) {
	t.Helper()
	if len(m.Defects) > 0 {
		t.Errorf("python found defects: %v", m.Defects)
	}
	for name, w := range want {
		if got := m.Header(name); got != w {
			t.Errorf("%s: python reads %q, want %q", name, got, w)
		}
	}
}
