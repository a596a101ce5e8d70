package apispec

// The check and credentials modules.

const state = `integer|"ok"|"warning"|"critical"|"unknown"|"OK"|"WARNING"|"CRITICAL"|"UNKNOWN"`
const rng = "string|number|check.Range"

var checkAPI = API{
	Modules: []Module{
		{Name: "check", Require: true,
			Summary: "monitoring-plugin conventions: one status line, perfdata, exit 0/1/2/3",
			Doc: `Requiring it switches the run to plugin mode: an uncaught typed error ends
CRITICAL, a bug UNKNOWN, and the status line is printed however the run
ends. The module takes --json, -t SECONDS and -v out of arg.

    local check = require "check"
    check.service = "SMTP"
    local c = check.step("connect", smtp.open, {host = "mx.example.com"})
    check.timings(c, "smtp")
    check.metric("delivery", 0.25, "s", 5, 30)
    check.ok("mx.example.com answers")`},
		{Name: "credentials", Require: true,
			Summary: "the login lookup of the example scripts: options, MAILEXPECT_USER/PASS, a secret file, ~/.netrc, bulk rows",
			When:    "not under --restricted"},
	},
	Values: []Value{
		{Name: "check.OK", TypeSrc: "integer", Summary: "0"},
		{Name: "check.WARNING", TypeSrc: "integer", Summary: "1"},
		{Name: "check.CRITICAL", TypeSrc: "integer", Summary: "2"},
		{Name: "check.UNKNOWN", TypeSrc: "integer", Summary: "3"},
		{Name: "check.service", TypeSrc: "string|nil", Summary: "the first word of the status line (\"SMTP\"); set it", Writable: true, When: "set by the script"},
		{Name: "check.json", TypeSrc: "boolean|nil", Summary: "true when --json was given", Writable: true, When: "--json"},
		{Name: "check.verbose", TypeSrc: "integer|nil", Summary: "the -v count", Writable: true, When: "-v"},
		{Name: "check.timeout", TypeSrc: "number|nil", Summary: "the -t SECONDS deadline", Writable: true, When: "-t"},
	},
	Classes: []Class{
		{Name: "check.Range", Kind: Object, Summary: "a monitoring-plugins range: check.range(\"10:20\")", Var: "range",
			Fields: []Field{
				{"text", "string", "as written"}, {"lo", "number", ""}, {"hi", "number", ""}, {"inside", "boolean", "@ ranges"},
			}},
		{Name: "check.MetricOptions", Kind: Options, Summary: "check.metric's table form", Fields: []Field{
			{"label?", "string", "the perfdata label"},
			{"name?", "string", "the same as label"},
			{"value?", "number", "nil: could not be measured (U)"},
			{"uom?", "string", "s, ms, us, %, B, KB, MB, TB, c"},
			{"warn?", rng, ""}, {"crit?", rng, ""},
			{"min?", "number", ""}, {"max?", "number", ""},
			{"quiet?", "boolean", "the state counts, but no message is added"},
		}},
		{Name: "credentials.LookupOptions", Kind: Options, Summary: "options of credentials.lookup", Fields: []Field{
			{"user?", "string", "an option's value (nil or \"\" when not given)"},
			{"secret_file?", "string", "a file holding the password"},
			{"address?", "string", "the server as connect takes it, for ~/.netrc"},
		}},
		{Name: "credentials.MailboxOptions", Kind: Options, Summary: "options of credentials.mailbox", Fields: []Field{
			{"host?", "string", "the server from an option"},
			{"env?", "string", `the variable naming the server ("MAILEXPECT_POP3")`},
			{"what?", "string", `the protocol in messages ("POP3")`},
		}},
	},
	Funcs: []Func{
		{Sig: "check.ok(text?: string)", Summary: "add an OK message",
			Doc: `    check.ok("queue length " .. n)`},
		{Sig: "check.warning(text?: string)", Summary: "add a WARNING message"},
		{Sig: "check.critical(text?: string)", Summary: "add a CRITICAL message",
			Doc: `    if n > 1000 then check.critical("queue length " .. n) end`},
		{Sig: "check.unknown(text?: string)", Summary: "add an UNKNOWN message"},
		{Sig: "check.error(e: any, prefix?: string)", Summary: "record a caught typed error as CRITICAL and go on; anything else is raised again",
			Doc: `    local ok, err = pcall(smtp.open, {host = h})
    if not ok then check.error(err, h) end`},
		{Sig: "check.detail(text: string)", Summary: "add long output: lines after the status line"},
		{Sig: "check.metric(label: string|check.MetricOptions, value?: number, uom?: string, warn?: " + rng + ", crit?: " + rng + ", min?: number, max?: number) -> integer",
			Summary: "add perfdata label=value[uom];warn;crit;min;max; a value over a threshold raises the state", Errors: []string{"usage"},
			Doc: `    check.metric("delivery", 12.3, "s", 10, 30)   -- WARNING: delivery 12.3s > 10 (warning)
    check.metric{label = "queue", value = n, warn = "~:100", quiet = true}`},
		{Sig: "check.timings(client: table, prefix?: string, names?: string[])", Summary: "report a module client's step times as perfdata PREFIX_connect, PREFIX_ehlo, ...",
			Doc: `    check.timings(c, "smtp")   -- smtp_connect=...s smtp_ehlo=...s ...`},
		{Sig: "check.step(name: string, fn: function, ...: any) -> ...: any", Summary: "run fn(...) as a timed step (perfdata name=…s); an error is reported with the step's name",
			Doc: `    local c = check.step("connect", smtp.open, {host = host})`},
		{Sig: "check.range(spec?: " + rng + ") -> check.Range|nil", Summary: "parse a range (10, 10:, ~:10, @10:20)", Errors: []string{"usage"}},
		{Sig: "check.Range:alert(value: number) -> alert: boolean, why: string|nil", Summary: "whether value alerts under the range, and why (\"> 10\")"},
		{Sig: "check.threshold(value: number, warn?: " + rng + ", crit?: " + rng + ") -> state: integer, why: string|nil", Summary: "the state of value under warn and crit (CRITICAL wins)"},
		{Sig: "check.state_name(s: " + state + ") -> string", Summary: "\"OK\", \"WARNING\", \"CRITICAL\" or \"UNKNOWN\""},
		{Sig: "check.perfdata() -> string", Summary: "the perfdata part of the status line so far"},
		{Sig: "check.status_line() -> string", Summary: "the status line as it would be printed now"},
		{Sig: "check.exit(s?: " + state + ", text?: string)", Summary: "print the result and end the run; with a state, that state wins",
			Doc: `    check.exit("critical", "no route to the mailbox")`},
		{Sig: "credentials.lookup(opts: credentials.LookupOptions) -> user: string|nil, pass: string|nil", Summary: "the user (option, MAILEXPECT_USER, netrc) and password (secret file, MAILEXPECT_PASS, ~/.netrc)",
			Doc: `    local user, pass = credentials.lookup{user = opt.user, secret_file = opt.secret_file, address = host}`},
		{Sig: "credentials.setting(value: string|nil, env_name?: string) -> string|nil", Summary: "value when given and not empty, else the environment variable env_name when set and not empty, else nil",
			Doc: `How the example scripts read a setting that an option or the environment
may give: credentials.setting(opt["ca-file"], "MAILEXPECT_CA_FILE").
Under --restricted only value counts.`},
		{Sig: "credentials.mailbox(opts: credentials.MailboxOptions) -> {user: string, pass: string, host: string}|nil, missing: string|nil", Summary: "a cleanup run's mailbox: the bulk row's columns, else the environment",
			Doc: `    local mb, missing = credentials.mailbox{host = opt.host, env = "MAILEXPECT_POP3", what = "POP3"}
    if not mb then error(missing) end`},
	},
}

func init() {
	Register(checkAPI)
}
