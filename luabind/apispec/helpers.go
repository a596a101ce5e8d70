package apispec

// The helper tables: globals, also available through require.

var helpersAPI = API{
	Modules: []Module{
		{Name: "base64", Summary: "standard base64 (RFC 4648); decode tolerates missing padding and whitespace"},
		{Name: "hex", Summary: "lower-case hex"},
		{Name: "mail", Summary: "message headers, dates and addresses (RFC 5322, RFC 2047)"},
		{Name: "json", Summary: "JSON: {} and [] told apart, keys sorted, json.null"},
		{Name: "regex", Summary: "Go RE2 regular expressions with the CR/LF rules of expect"},
		{Name: "dns", Summary: "DNS lookups: MX (by preference), A/AAAA, TXT; the system's resolver or resolver = \"ip:port\""},
	},
	Funcs: []Func{
		{Sig: "dns.mx(domain: string, opts?: dns.Options) -> records: dns.MX[]|nil, err: string|nil", Summary: "the domain's MX records, lowest preference first; {} when it has none; nil and the reason when the lookup failed",
			Doc: `    for _, m in ipairs(assert(dns.mx("example.com"))) do print(m.pref, m.host) end`},
		{Sig: "dns.a(name: string, opts?: dns.Options) -> addresses: string[]|nil, err: string|nil", Summary: "the name's IPv4 and IPv6 addresses; {} when none; nil and the reason when the lookup failed",
			Doc: `    local ips = assert(dns.a("mail.example.com"))`},
		{Sig: "dns.txt(name: string, opts?: dns.Options) -> texts: string[]|nil, err: string|nil", Summary: "the name's TXT records (SPF, DMARC at _dmarc.name); {} when none",
			Doc: `    for _, t in ipairs(dns.txt("_dmarc.example.com") or {}) do print(t) end`},
		{Sig: "base64.encode(data: string) -> string", Summary: "encode bytes as base64",
			Doc: `    s:sendline("AUTH PLAIN " .. base64.encode("\0" .. user .. "\0" .. pass), {secret = true})`},
		{Sig: "base64.decode(text: string) -> data: string|nil, err: string|nil", Summary: "decode base64; nil and a message for bad input",
			Doc: `    local challenge, err = base64.decode(m[1])
    if not challenge then error("bad challenge: " .. err) end`},
		{Sig: "hex.encode(data: string) -> string", Summary: "encode bytes as lower-case hex",
			Doc: `    print(hex.encode("\1\2"))   -- 0102`},
		{Sig: "hex.decode(text: string) -> data: string|nil, err: string|nil", Summary: "decode hex; nil and a message for bad input",
			Doc: `    local bytes = assert(hex.decode("0102"))`},
		{Sig: "mail.parse_headers(raw: string) -> fields: table<string, string>|nil, list: mail.HeaderField[]|string", Summary: "a message's (or TOP n 0's) header: lower-case name -> first value (RFC 2047 decoded), and the ordered list",
			Doc: `Bad input returns nil and a message.

    local h, list = mail.parse_headers(p:top(1, 0))
    print(h.subject, #list)`},
		{Sig: "mail.parse_date(s: string|nil) -> epoch: integer|nil, err: string|nil", Summary: "a Date: header as epoch seconds; nil when missing or unparsable (never \"old\")",
			Doc: `    local when = mail.parse_date(h.date)
    if when and time() - when > 365 * 86400 then old[#old + 1] = n end`},
		{Sig: "mail.parse_address(s: string) -> mail.Address|nil, err: string|nil", Summary: "one RFC 5322 address: {name, address}",
			Doc: `    local a = mail.parse_address('"Ann" <ann@example.org>')   -- a.name, a.address`},
		{Sig: "mail.parse_address_list(s: string) -> mail.Address[]|nil, err: string|nil", Summary: "a list of RFC 5322 addresses",
			Doc: `    for _, a in ipairs(mail.parse_address_list(h.to) or {}) do print(a.address) end`},
		{Sig: "mail.decode_header(s: string) -> string", Summary: "decode RFC 2047 encoded words (the raw value when a word is malformed)",
			Doc: `    print(mail.decode_header("=?UTF-8?Q?caf=C3=A9?="))   -- café`},
		{Sig: "mail.printable(s: string) -> string", Summary: "the string as one line safe for a terminal: control bytes, invalid UTF-8 and non-printing runes (bidi overrides) escaped as the transcript shows them",
			Doc: `For what a server or a sender chose (a decoded Subject) before it is
printed: \t \r \n, \xHH, \uHHHH; printable UTF-8 is kept.

    print(mail.printable("Re: \27[2Jhi"))   -- Re: \x1b[2Jhi`},
		{Sig: "json.encode(v: any, pretty?: boolean) -> string", Summary: "encode a value (pretty: indented); an empty table is [], json.object(t) forces {}; a string's non-printable characters (controls, C1, bidi overrides) are written as \\u escapes, so the output is safe on a terminal", Errors: []string{"usage"},
			Doc: `    print(json.encode{ok = true, count = 3, list = {}})   -- {"count":3,"list":[],"ok":true}`},
		{Sig: "json.decode(text: string) -> value: any, err: string|nil", Summary: "decode JSON; null is json.null; nil and a message for bad input",
			Doc: `    local v, err = json.decode('{"a": [1, 2]}')   -- v.a[2] == 2`},
		{Sig: "json.object(t: table) -> table", Summary: "mark t to encode as an object, even when empty",
			Doc: `    print(json.encode(json.object{}))   -- {}`},
		{Sig: "json.array(t: table) -> table", Summary: "mark t to encode as an array",
			Doc: `    print(json.encode(json.array(t)))`},
		{Sig: "regex.compile(pattern: string) -> regex", Summary: "compile a Go RE2 pattern (the expect rules: . and \\s never cross CR/LF)", Errors: []string{"usage"},
			Doc: `    local re = regex.compile([=[^(?P<code>\d{3})[ -]]=])
    local m = re:match("250-PIPELINING")  -- m.code == "250"`},
		{Sig: "regex.quote(text: string) -> string", Summary: "escape text so it matches literally inside a pattern",
			Doc: `    local re = regex.compile("^" .. regex.quote(addr) .. "$")`},
		{Sig: "regex.exact(text: string) -> regex", Summary: "a literal pattern (the same as exact)",
			Doc: `    s:expect(regex.exact("* OK"))`},
		{Sig: "regex:match(s: string) -> Match|nil", Summary: "the first match object, or nil",
			Doc: `    local m = regex.compile([[^(\d{3})[ -](.*)$]]):match("250-PIPELINING")
    print(m[1], m[2])   -- 250  PIPELINING`},
		{Sig: "regex:find(s: string, init?: integer) -> start: integer|nil, finish: integer|nil", Summary: "1-based inclusive start and end of the first match (Lua style), or nil",
			Doc: `    local i, j = re:find("x 250 y")   -- 3, 5`},
		{Sig: "regex:gmatch(s: string) -> function", Summary: "an iterator over match objects, for a generic for",
			Doc: `    for m in regex.compile([[\d+]]):gmatch("1 22 333") do print(m[0]) end`},
		{Sig: "regex:replace(s: string, repl: string|function) -> result: string, count: integer", Summary: "replace matches (repl is \"$1\"/\"${name}\" or function(m) -> string); also returns how many",
			Doc: `    re:replace(text, "<$1>")
    re:replace(text, function(m) return m[1]:upper() end)`},
		{Sig: "regex:split(s: string, n?: integer) -> string[]", Summary: "split s around the matches (n > 0: at most n parts)",
			Doc: `    local parts = regex.compile([[\s*,\s*]]):split("a, b ,c")   -- {"a", "b", "c"}`},
	},
	Values: []Value{
		{Name: "json.null", TypeSrc: "any", Summary: "JSON null (decoded null, and encodes as null)"},
	},
	Classes: []Class{
		{Name: "dns.Options", Kind: Options, Summary: "options of dns.mx, dns.a and dns.txt", Fields: []Field{
			{"resolver?", "string", `the DNS server to ask, "ip[:port]" (default: the system's resolver)`},
			{"timeout?", "number", "seconds (default --timeout, else 10)"},
		}},
		{Name: "dns.MX", Kind: Record, Summary: "one MX record", Fields: []Field{
			{"host", "string", `the mail exchanger, without the trailing dot ("." for a null MX, RFC 7505)`},
			{"pref", "integer", "the preference: lower is tried first"},
		}},
		{Name: "regex", Kind: Object, Var: "re", Summary: "a compiled pattern: regex.compile, exact",
			Fields: []Field{{"pattern", "string", "the pattern as written"}}},
		{Name: "mail.Address", Kind: Record, Summary: "a parsed address", Fields: []Field{
			{"name", "string", "display name"}, {"address", "string", "user@domain"}}},
		{Name: "mail.HeaderField", Kind: Record, Summary: "one header field in order", Fields: []Field{
			{"name", "string", "as written"}, {"value", "string", "RFC 2047 decoded"}, {"raw", "string", "as sent"}}},
	},
}

func init() {
	Register(helpersAPI)
}
