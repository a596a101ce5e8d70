package bulk

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// errSecretInLine reports a line that could not be made safe to write.
var errSecretInLine = errors.New("a secret would appear in the line in a form that cannot be masked inside JSON")

// maskedJSONLine encodes v as one JSON line (without the newline) in
// which no registered secret shows. Masking works on each string and
// object key (so the JSON stays valid), then the whole line is checked
// once more with Secrets.Mask, which also knows a value's JSON and base64
// forms. A number that is a secret becomes the string "***".
func maskedJSONLine(v any, secrets *transcript.Secrets) ([]byte, error) {
	line, err := marshalLine(v)
	if err != nil {
		return nil, err
	}
	if secrets.Empty() || secrets.Mask(string(line)) == string(line) {
		return line, nil // the common case: nothing to hide
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	line, err = marshalLine(maskValue(generic, secrets))
	if err != nil {
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

func maskValue(v any, secrets *transcript.Secrets) any {
	switch t := v.(type) {
	case string:
		return secrets.Mask(t)
	case json.Number:
		if secrets.Mask(t.String()) != t.String() {
			return transcript.Redacted
		}
		return t
	case []any:
		for i := range t {
			t[i] = maskValue(t[i], secrets)
		}
		return t
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[secrets.Mask(k)] = maskValue(x, secrets)
		}
		return out
	}
	return v
}
