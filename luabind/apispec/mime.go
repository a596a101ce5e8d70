package apispec

// require "mime": composing and parsing messages (luabind/mime.go,
// runtime/mime; docs/mime.md).

var mimeAPI = API{
	Modules: []Module{
		{Name: "mime", Summary: "compose messages (RFC 2047 words, RFC 2231 names, QP/base64, multipart) and parse them"},
	},
	Classes: []Class{
		{Name: "mime.MessageOptions", Kind: Options, Summary: "the fields mime.message builds a message from", Fields: []Field{
			{"from?", "string", `"Name <a@b>" or "a@b"; "" or "<>": no From`},
			{"to?", "string|string[]", "To: addresses (each may be a comma-separated list)"},
			{"cc?", "string|string[]", "Cc: addresses"},
			{"subject?", "string", "non-ASCII becomes RFC 2047 encoded words"},
			{"headers?", "{string, string}[]", `ordered {name, value} pairs: {{"X-Ticket", "4711"}}; a map is a usage error`},
			{"body?", "string", "the text/plain part (UTF-8)"},
			{"html?", "string", "a text/html part; with body: multipart/alternative"},
			{"attachments?", "mime.Attachment[]", "files, each in a base64 part"},
		}},
		{Name: "mime.Attachment", Kind: Options, Summary: "one attachment of mime.message", Fields: []Field{
			{"name?", "string", "the file name shown (RFC 2231 when not ASCII); default: the file's base name"},
			{"data?", "string", "the bytes (or file =)"},
			{"file?", "string", "a path to read (refused under --restricted)"},
			{"type?", "string", "media type; default from the name's extension, else sniffed"},
		}},
		{Name: "mime.Part", Kind: Record, Summary: "what mime.parse returns: the message, or one of its parts", Fields: []Field{
			{"headers", "mail.HeaderField[]", "every field in order: {name, value (decoded), raw}"},
			{"header", "table<string, string>", "lower-case name -> first decoded value"},
			{"type", "string", `media type, lower case ("text/plain" when missing)`},
			{"params", "table<string, string>", "its parameters, RFC 2231 decoded"},
			{"charset", "string|nil", ""},
			{"disposition", "string|nil", `"inline" or "attachment"`},
			{"filename", "string|nil", "Content-Disposition filename, else Content-Type name"},
			{"body", "string|nil", "a leaf's content, transfer encoding undone (text/*: converted to UTF-8)"},
			{"parts", "mime.Part[]|nil", "a multipart's parts"},
			{"text", "string|nil", "top only: the first text/plain part that is not an attachment"},
			{"html", "string|nil", "top only: the first text/html part that is not an attachment"},
			{"attachments", "mime.Part[]|nil", "top only: every part that is an attachment or has a file name"},
		}},
	},
	Funcs: []Func{
		{Sig: "mime.message(opts: mime.MessageOptions) -> string", Summary: "build a message: CRLF, RFC 2047/2231, 7bit/quoted-printable/base64, a multipart tree, Date and Message-ID",
			Errors: []string{"usage", "injection"},
			Doc: `Header order: From, To, Cc, Subject, the headers in order, Date and
Message-ID unless given, MIME-Version, Content-Type. A Content-Type in
headers means body is already MIME and is sent as given.

    local msg = mime.message{from = "Jörg <j@example.com>", to = "ops@example.com",
      subject = "Grüße", headers = {{"X-Ticket", "4711"}}, body = "hello\n",
      attachments = {{file = "report.pdf"}}}`},
		{Sig: "mime.parse(raw: string) -> mime.Part|nil, err: string|nil", Summary: "parse a message into decoded headers and parts; nil and a message when it cannot be framed",
			Doc: `    local p = mime.parse(p3:retr(1))
    print(p.header.subject, p.text, #p.attachments, p.attachments[1].filename)`},
	},
}

func init() {
	Register(mimeAPI)
}
