package bulk

import (
	"encoding/json"
	"testing"

	"github.com/mailexpect/mailexpect/runtime/transcript"
)

func TestMaskedJSONLine(t *testing.T) {
	s := transcript.NewSecrets()
	s.Add("Sekr3t!")
	s.Add("987654")
	tests := []struct {
		in   any
		want string
	}{
		{map[string]any{"a": 1}, `{"a":1}`},
		{[]any{"x", "Sekr3t!", 987654, 98765, nil, true, map[string]any{"Sekr3t!": []any{}}}, `["x","***","***",98765,null,true,{"***":[]}]`},
		{struct {
			Z string `json:"z"`
			A any    `json:"a"`
		}{"<b>Sekr3t!</b>", map[string]any{"k": "say \"Sekr3t!\""}}, `{"z":"<b>***</b>","a":{"k":"say \"***\""}}`},
	}
	for _, tt := range tests {
		got, err := maskedJSONLine(tt.in, s)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("maskedJSONLine(%v) = %s, want %s", tt.in, got, tt.want)
		}
		if !json.Valid(got) {
			t.Errorf("invalid JSON %s", got)
		}
	}
	if _, err := maskedJSONLine(func() {}, s); err == nil {
		t.Error("no error for a value JSON cannot hold")
	}
}
