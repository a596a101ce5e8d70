package main

// usage is the one place the command line is described: --help prints it,
// usage errors point to it.
const usage = `usage: mailexpect [flags] SCRIPT.lua [args...]
       mailexpect [flags] -e 'lua code' [args...]

mailexpect is expect for mail: a Lua script connects to SMTP, POP3 and IMAP
servers, sends commands and branches on what comes back. Arguments after
the script name are the script's (arg[1], arg[2], ... and options(arg, spec)).
A script may start with "#!/usr/bin/env mailexpect".

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
  --restricted        for scripts you did not write: no os, io, debug,
                      files, environment; hosts only from the arguments
  --plugin            monitoring-plugin exit codes (also: require "check")
  --lua-path          let require search LUA_PATH on disk
  --version           print the version and exit
  -h, --help          print this help and exit

Exit codes:
  0  success
  1  the script failed: timeout, EOF, refusal... (one line on stderr)
  2  usage or syntax error
  N  the script called exit(N)
  130, 143  interrupted by SIGINT, SIGTERM
  plugin mode: 2 CRITICAL for connect/tls/timeout/eof/reply/protocol errors,
               3 UNKNOWN for anything else

Examples:
  mailexpect -e 'local s = connect("smtp://mail.example.com")
                 print(s:reply().text)'
  mailexpect -v check.lua mail.example.com
  mailexpect --timeout 5 --max-time 30 --plugin check.lua -w 2 mail.example.com
  mailexpect --dry-run --log cleanup.log cleanup.lua user@example.com
`
