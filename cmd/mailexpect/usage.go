package main

// usage is the one place the command line is described: --help prints it,
// usage errors point to it.
const usage = `usage: mailexpect [flags] SCRIPT.lua [args...]
       mailexpect [flags] -e 'lua code' [args...]
       mailexpect --sandbox [--fault SPEC]... SCRIPT.lua [args...]
       mailexpect [--sandbox] send --server URL --from ADDR --to ADDR [flags]
                          (send one message; mailexpect send --help)
       mailexpect sandbox [--smtp ADDR] [--pop3 ADDR] [--imap ADDR] [--users N]
                          [--fault SPEC]... [--web ADDR] [--listen-public] [-q]
       mailexpect serve [--listen ADDR] --module NAME=SCRIPT [ARGS...]... [--config FILE]
       mailexpect [-v] [--log FILE] connect [--ca-file F] [--insecure] [--user U] URL
                          a session typed by a person (telnet / openssl s_client);
                          mailexpect connect --help for its flags
       mailexpect replay [-q] [--idle SECONDS] FILE
                          serve a recording on 127.0.0.1 (real TLS, generated CA)
       mailexpect test [--sandbox] [--record] [DIR|FILE]...
                          run every *_test.lua against its recording NAME_test.rec
       mailexpect doc [NAME]
       mailexpect completion bash|zsh|fish

mailexpect is expect for mail: a Lua script connects to SMTP, POP3 and IMAP
servers, sends commands and branches on what comes back. Arguments after
the script name are the script's (arg[1], arg[2], ... and options(arg, spec)),
except --dry-run, which is taken out of them and turns dry-run on. A script
may start with "#!/usr/bin/env mailexpect". require "helper" loads
helper.lua from the script's directory (not under --restricted).

Flags:
  -e CODE             run CODE instead of a script file
  -v                  live transcript on stderr (>>> sent, <<< received,
                      secrets masked)
  -q                  quiet: no log() lines or warnings on stderr
  --log FILE          write the transcript to FILE (created mode 0600)
  --log-format FMT    transcript format for --log: text (default) or json
  --timeout SECONDS   default timeout of each expect/read (default 10)
  --max-time SECONDS  deadline for the whole run; the error names the line
  --dry-run           destructive commands only report (global dry_run)
  --journal FILE      every message deleted (with --dry-run: that would be),
                      fsynced before the commit, then the outcome; as for a
                      bulk row (below), keyed by $MAILEXPECT_USER
  --restricted        for scripts you did not write: no os, io, debug,
                      files, environment; hosts only from the arguments
  --plugin            monitoring-plugin exit codes (also: require "check");
                      the status line is printed first, print output after
  --prom FILE         write the result for node_exporter's textfile
                      collector (temp file + rename; docs/prometheus.md)
  --lua-path          let require search LUA_PATH on disk
  --sandbox           run the script against the embedded sandbox server:
                      global sandbox, MAILEXPECT_* set, its CA trusted
                      (with --each: one sandbox for all the rows)
  --record FILE       write every session of the run (connect, spawn, each
                      --each row) to FILE, secrets as *** (docs/record-replay.md)
  --replay FILE       serve every connect and spawn from the recording FILE,
                      in-process, no network; a line the script sends that
                      the recording does not have fails (kind protocol)
  --fault SPEC        with --sandbox: make the sandbox misbehave (repeatable)
  --users N           with --sandbox: number of demo users (default 3)
  --version           print the version, VCS revision, Go and Lua versions
  -h, --help          print this help and exit

Sandbox (mailexpect sandbox, or --sandbox for one run):
  SMTP (STARTTLS, AUTH), POP3 (STLS, APOP, UIDL, TOP) and IMAP (STARTTLS,
  UIDPLUS) over one in-memory store, on 127.0.0.1 (ephemeral ports unless
  --smtp/--pop3/--imap HOST:PORT; other than loopback only with
  --listen-public), a CA generated at start, demo users demo1..demoN with
  passwords demoN-pass, delivery only to @sandbox.test. The subcommand
  prints the addresses, CA file and users and serves until Ctrl-C; -q
  silences its event log. --web ADDR (e.g. 127.0.0.1:8025) adds a web view
  of users, mailboxes and messages (HTML parts in a sandboxed frame), the
  live event log and fault switches, and a JSON API under /api/
  (docs/sandbox-web.md).
  --fault [LISTENER=]SPEC   LISTENER: smtp, pop3 or imap (default: all)
    drip[:DELAY]      one byte per DELAY (default 10ms; a bare number is ms)
    slow[:DELAY]      a pause before every reply (default 200ms)
    drop-after:N      close the connection at the client's Nth line
    reject-rcpt       SMTP: 550 to every RCPT
    tempfail          SMTP 451 to MAIL, POP3/IMAP login refused for now
    bye               refuse in the greeting and close

Prober (mailexpect serve): Prometheus scrapes /probe?module=NAME&target=T;
  the module's script runs in a fresh Lua state with T as arg[1] and the
  module's ARGS after it, and the answer is Prometheus metrics: probe_success,
  probe_duration_seconds, probe_exit_code, the check's metrics, step times
  and blackbox_exporter's TLS metrics. debug=true shows the masked
  transcript; / lists the modules and recent probes; /metrics is the
  prober's own. See docs/prometheus.md.
  --listen ADDR          default 127.0.0.1:9917 (loopback unless --listen-public)
  --module NAME=SCRIPT [ARGS...]   repeatable; ARGS run to the next --module
                         or a lone --
  --config FILE          YAML: modules: {NAME: {script:, args: [...], timeout: 10s}}
  --max-concurrent N     probes at once (default 8; more wait, then 503)
  --timeout SECONDS      default expect timeout inside the scripts
  -q                     no log line per probe on stderr
  A probe's time is Prometheus's scrape timeout (less 0.5s), capped by the
  module's timeout.

Record and replay (docs/record-replay.md):
  mailexpect --sandbox --record r.rec SCRIPT.lua   record (or against any server)
  mailexpect --replay r.rec SCRIPT.lua             the same run, offline
  The recording is text: S: server line, C: client line, tls, eof, close;
  edit it (a 421 in the middle) to drive a script's error path; a
  "~ REGEX" line under a C: line lets a dynamic value (a date, a token)
  match, and the server's later lines get the script's value. A recording
  made under --sandbox brings back the sandbox's MAILEXPECT_* variables.
  mailexpect replay FILE serves it to another process; mailexpect test runs
  NAME_test.lua against NAME_test.rec (--sandbox --record: make them).

Lua API: mailexpect doc lists every function; mailexpect doc NAME shows one
  (mailexpect doc connect, mailexpect doc smtp.open, mailexpect doc session).
  The reference is docs/reference.md, editor stubs docs/stubs/.
Shell completion: mailexpect completion bash|zsh|fish
  bash: source <(mailexpect completion bash)   fish: mailexpect completion fish | source

Environment:
  MAILEXPECT_CA_FILE  PEM CAs every connect trusts besides the system roots
                      (mailexpect sandbox prints the export line)
  MAILEXPECT_SMTP, MAILEXPECT_POP3, MAILEXPECT_IMAP
                      servers (host:port) the example scripts talk to
  MAILEXPECT_USER, MAILEXPECT_PASS
                      the login the example scripts and credentials.lookup use
  MAILEXPECT_TOKEN    the OAuth 2.0 bearer token of send --auth (OAUTHBEARER,
                      XOAUTH2) when no --token-file is given
  NETRC               the netrc file of netrc() and credentials (~/.netrc)
  LUA_PATH            searched by require only with --lua-path
  Set by --sandbox for the script: the MAILEXPECT_* above but the token.

Exit codes:
  0  success
  1  the script failed: timeout, EOF, refusal... (one line on stderr)
  2  usage or syntax error
  N  the script called exit(N)
  130, 143  interrupted by SIGINT, SIGTERM
  plugin mode: 2 CRITICAL for connect/tls/timeout/eof/reply/protocol errors,
               3 UNKNOWN for anything else
  bulk (--each): 0 every row ok, 1 some row failed or did not run,
               2 usage, 130/143 interrupted (the summary says what is left)

Bulk runs: mailexpect --each ROWS [bulk flags] SCRIPT.lua [args...]
  One run of the script per row, in parallel, one Lua state each. ROWS is
  CSV with a header line, or JSON Lines ("-": stdin); the row is the
  read-only global table row (values are strings). Columns named like
  passwords (pass, password, token, ...) are secrets: masked everywhere,
  never written to results or the journal. print lines start with the
  row's key ([user] ...). Progress on stderr: a live bar on a terminal,
  else a line every 10 s; a summary at the end.
  --each FILE           the rows
  --jobs N              rows at once (default 4)
  --per-host N          rows connected to one host at once (default: no limit)
  --rate R              row starts per second, retries included (10 or 10/s)
  --row-timeout SECS    time for each attempt at a row (default: none)
  --retries N           retry a row after a connect or timeout error, but
                        never after its commit point (default 0)
  --results FILE.jsonl  one line per row: key, non-secret columns, status,
                        duration, error, commit outcome, what the script
                        returned
  --resume FILE.jsonl   skip the rows that were ok in that results file and
                        reuse its reference time; results are appended to it
                        unless --results says otherwise
  --journal FILE.jsonl  every message deleted (or, with --dry-run, that
                        would be), fsynced before the commit, and the outcome
  --secret-columns A,B  more columns that hold secrets
  --shard I/N           run only the rows whose key hashes to shard I of N
                        (0-based); --shard N takes I from JOB_COMPLETION_INDEX
                        (a Kubernetes Indexed Job); {shard} in --results,
                        --resume and --journal names becomes I
  --max-time SECS       the deadline of the whole bulk run (exit 1)
  --dry-run             deletions only reported: the journal lists the same
                        messages a real run deletes
  SIGINT/SIGTERM: no new rows; running rows stop before their commit point
  (QUIT after DELE, an IMAP \Deleted store or EXPUNGE) or finish it;
  results are written; a second signal stops at once. Rows are read as
  they run (memory stays flat); a syntax error on a later line stops the
  run there (exit 2: fix it and --resume). A usage error of the script's
  command line (an unknown option) stops the run at the first row, said
  once (exit 2); one from a row's value fails that row only. A script
  that never reads some of a row's columns is warned about once; the
  summary and results say where each row's login came from.
  mailexpect results merge results-*.jsonl: the whole run's summary from
  its shards' results (exit 0 all rows ok and every shard there, else 1).
  docs/bulk.md: Kubernetes Indexed Job and ssh/GNU parallel recipes.
  Example:
    mailexpect --each users.csv --jobs 16 --per-host 4 --dry-run \
      --journal would.jsonl scripts/pop3-cleanup.lua --older-than 365

Examples:
  mailexpect -e 'local s = connect("smtp://mail.example.com")
                 print(s:reply().text)'
  mailexpect -v check.lua mail.example.com
  mailexpect --timeout 5 --max-time 30 --plugin check.lua -w 2 mail.example.com
  mailexpect --dry-run --log cleanup.log cleanup.lua user@example.com
  mailexpect --sandbox scripts/check.lua
  mailexpect --sandbox --fault pop3=drip:5ms -v scripts/check.lua
  mailexpect sandbox --smtp 127.0.0.1:2525 --fault smtp=reject-rcpt
  mailexpect sandbox --web 127.0.0.1:8025
  mailexpect serve --module banner=scripts/check-banner.lua --module tls=scripts/check-tls.lua
`
