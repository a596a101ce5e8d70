package bulk

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"

	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// errSecretInLine reports a line that could not be made safe to write.
var errSecretInLine = errors.New("a secret would appear in the line in a form that cannot be masked inside JSON")

// maskedJSONLine encodes v as one JSON line (without the newline) in
// which no registered secret shows. Masking works on each string and
// object key (so the JSON stays valid, in its order), then the whole line
// is checked once more with Secrets.Mask, which also knows a value's JSON
// and base64 forms. A number that is a secret becomes the string "***".
func maskedJSONLine(v any, secrets *transcript.Secrets) ([]byte, error) {
	line, err := marshalLine(v)
	if err != nil {
		return nil, err
	}
	if secrets.Empty() || secrets.Mask(string(line)) == string(line) {
		return line, nil // the common case: nothing to hide
	}
	if line, err = maskJSON(line, secrets); err != nil {
		return nil, err
	}
	if secrets.Mask(string(line)) != string(line) {
		return nil, errSecretInLine
	}
	return line, nil
}

// marshalLine is json.Marshal without HTML escaping: subjects and
// Message-IDs ("<a@b>") stay readable.
func marshalLine(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// maskJSON re-encodes a JSON text token by token with every string
// masked, keeping the order of object members.
func maskJSON(text []byte, secrets *transcript.Secrets) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	type container struct {
		object bool
		n      int // tokens written in it
	}
	var stack []container
	var out bytes.Buffer
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			out.WriteByte(byte(d))
			stack = stack[:len(stack)-1]
			continue
		}
		if len(stack) > 0 {
			top := &stack[len(stack)-1]
			switch {
			case top.object && top.n%2 == 1:
				out.WriteByte(':')
			case top.n > 0:
				out.WriteByte(',')
			}
			top.n++
		}
		switch t := tok.(type) {
		case json.Delim:
			out.WriteByte(byte(t))
			stack = append(stack, container{object: t == '{'})
		case string:
			b, _ := marshalLine(secrets.Mask(t))
			out.Write(b)
		case json.Number:
			if secrets.Mask(t.String()) != t.String() {
				out.WriteString(`"` + transcript.Redacted + `"`)
			} else {
				out.WriteString(t.String())
			}
		case bool:
			out.WriteString(strconv.FormatBool(t))
		case nil:
			out.WriteString("null")
		}
	}
}
