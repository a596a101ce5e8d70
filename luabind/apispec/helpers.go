package apispec

// The helper tables: globals, also available through require.

func init() {
	Register(API{
		Modules: []Module{
			{Name: "base64", Summary: "standard base64 (RFC 4648); decode tolerates missing padding and whitespace"},
			{Name: "hex", Summary: "lower-case hex"},
			{Name: "mail", Summary: "message headers, dates and addresses (RFC 5322, RFC 2047)"},
			{Name: "json", Summary: "JSON: {} and [] told apart, keys sorted, json.null"},
			{Name: "regex", Summary: "Go RE2 regular expressions with the CR/LF rules of expect"},
		},
		Funcs: []Func{
			{Sig: "base64.encode(data: string) -> string", Summary: "encode bytes as base64"},
			{Sig: "base64.decode(text: string) -> data: string|nil, err: string|nil", Summary: "decode base64; nil and a message for bad input"},
			{Sig: "hex.encode(data: string) -> string", Summary: "encode bytes as lower-case hex"},
			{Sig: "hex.decode(text: string) -> data: string|nil, err: string|nil", Summary: "decode hex; nil and a message for bad input"},
			{Sig: "mail.parse_headers(raw: string) -> fields: table<string, string>|nil, list: mail.HeaderField[]|string", Summary: "a message's (or TOP n 0's) header: lower-case name -> first value (RFC 2047 decoded), and the ordered list",
				Doc: `Bad input returns nil and a message.

    local h, list = mail.parse_headers(p:top(1, 0))
    print(h.subject, #list)`},
			{Sig: "mail.parse_date(s: string|nil) -> epoch: integer|nil, err: string|nil", Summary: "a Date: header as epoch seconds; nil when missing or unparsable (never \"old\")"},
			{Sig: "mail.parse_address(s: string) -> mail.Address|nil, err: string|nil", Summary: "one RFC 5322 address: {name, address}"},
			{Sig: "mail.parse_address_list(s: string) -> mail.Address[]|nil, err: string|nil", Summary: "a list of RFC 5322 addresses"},
			{Sig: "mail.decode_header(s: string) -> string", Summary: "decode RFC 2047 encoded words (the raw value when a word is malformed)"},
			{Sig: "json.encode(v: any, pretty?: boolean) -> string", Summary: "encode a value (pretty: indented); an empty table is [], json.object(t) forces {}", Errors: []string{"usage"}},
			{Sig: "json.decode(text: string) -> value: any, err: string|nil", Summary: "decode JSON; null is json.null; nil and a message for bad input"},
			{Sig: "json.object(t: table) -> table", Summary: "mark t to encode as an object, even when empty"},
			{Sig: "json.array(t: table) -> table", Summary: "mark t to encode as an array"},
			{Sig: "regex.compile(pattern: string) -> regex", Summary: "compile a Go RE2 pattern (the expect rules: . and \\s never cross CR/LF)", Errors: []string{"usage"},
				Doc: `    local re = regex.compile([[^(?P<code>\d{3})[ -]]])
    local m = re:match("250-PIPELINING")  -- m.code == "250"`},
			{Sig: "regex.quote(text: string) -> string", Summary: "escape text so it matches literally inside a pattern"},
			{Sig: "regex.exact(text: string) -> regex", Summary: "a literal pattern (the same as exact)"},
			{Sig: "regex:match(s: string) -> Match|nil", Summary: "the first match object, or nil"},
			{Sig: "regex:find(s: string, init?: integer) -> start: integer|nil, finish: integer|nil", Summary: "1-based inclusive start and end of the first match (Lua style), or nil"},
			{Sig: "regex:gmatch(s: string) -> function", Summary: "an iterator over match objects, for a generic for"},
			{Sig: "regex:replace(s: string, repl: string|function) -> string", Summary: "replace matches: repl is \"$1\"/\"${name}\" or function(m) -> string"},
			{Sig: "regex:split(s: string, n?: integer) -> string[]", Summary: "split s around the matches (n > 0: at most n parts)"},
		},
		Values: []Value{
			{Name: "json.null", TypeSrc: "any", Summary: "JSON null (decoded null, and encodes as null)"},
		},
		Classes: []Class{
			{Name: "regex", Kind: Object, Var: "re", Summary: "a compiled pattern: regex.compile, exact",
				Fields: []Field{{"pattern", "string", "the pattern as written"}}},
			{Name: "mail.Address", Kind: Record, Summary: "a parsed address", Fields: []Field{
				{"name", "string", "display name"}, {"address", "string", "user@domain"}}},
			{Name: "mail.HeaderField", Kind: Record, Summary: "one header field in order", Fields: []Field{
				{"name", "string", "as written"}, {"value", "string", "RFC 2047 decoded"}, {"raw", "string", "as sent"}}},
		},
	})
}
