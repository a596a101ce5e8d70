// Package mailstack runs real mail servers for tests: Debian's Dovecot
// (POP3, IMAP, LMTP, SASL) and Postfix (SMTP, submission, SMTPS), started
// by the test itself on 127.0.0.1, so that every protocol feature of
// mailexpect is proven against servers that nobody here wrote.
//
// # Using it
//
// A package whose tests need servers adds
//
//	func TestMain(m *testing.M) { os.Exit(mailstack.Main(m)) }
//
// and in a test:
//
//	s := mailstack.Require(t)  // the package's shared stack, started on first use
//	u := s.TakeUser(t)         // a mailbox no other test of the package uses
//	s.SeedN(u.Name, 3)         // three messages, straight into the Maildir
//	... connect to s.POP3 / s.IMAPS / s.Submission ..., log in as u.Name, u.Password,
//	... verify TLS with s.TLSConfig() or s.CAFile ...
//	s.WaitDelivered(u.Name, 4, 5*time.Second)
//
// NewStack(t, opts) starts a private stack, stopped by t.Cleanup; Start
// and Stop do the same without a testing.TB. Starting takes 0.3 s on a
// quiet machine (up to 0.8 s on a busy one), stopping 0.1–1.1 s.
//
// # When the servers are missing
//
// The package installs nothing. It needs root and the Debian packages
// dovecot-core, dovecot-pop3d, dovecot-imapd, dovecot-lmtpd and postfix,
// which .ci/install-servers installs (as root, without starting the
// system-wide services). Without them, Start returns an error wrapping
// ErrUnavailable, and Require and NewStack skip the test with one line
// that says why. With MAILEXPECT_REQUIRE_SERVERS=1 (CI sets it) they fail
// it instead, so a broken install cannot pass as a green run of skipped
// tests. Any other start failure always fails the test; its message quotes
// the end of the server logs and names the log directory.
//
// # What a stack is
//
// Everything lives in one state directory (Stack.Dir): configuration, TLS
// files, Maildirs, the Postfix queue, logs (log/) and pid files. No
// configuration comes from /etc/dovecot or /etc/postfix, and nothing is
// written outside Dir. Users are
// user1…userN with one shared password; mail to userK@Domain,
// userK@localhost and userK+tag@… goes to userK's INBOX, over Postfix and
// then LMTP into Dovecot. Unknown recipients get 550 at RCPT; relaying
// without AUTH gets 554; nothing ever leaves the host.
//
// Dovecot offers USER/PASS, APOP, and the SASL mechanisms PLAIN, LOGIN and
// CRAM-MD5 (passwords are stored in clear, which APOP and CRAM-MD5 need),
// over plain TCP too. Postfix's submission port requires STARTTLS, then
// AUTH; SMTPS is implicit TLS; the SMTP port is an MX that accepts mail for
// its users without AUTH. The servers' certificate is signed by a CA made
// at start (ECDSA P-256, for localhost, mail.<Domain> and 127.0.0.1):
// clients verify against Stack.CAFile instead of skipping verification.
//
// # Gotchas this package handles, and why
//
//   - Free ports, not fixed ones: `go test ./...` runs packages in
//     parallel. Ports come from binding 127.0.0.1:0; if another process
//     takes one before a server binds it ("Address already in use"),
//     Start tries again on new ports (Postfix needs ~4 s to report it).
//   - The daemons' stdin, stdout and stderr are never our pipes: Dovecot's
//     master and log process keep the stderr they were started with, so a
//     pipe would never reach EOF. Their early output goes to log/*-start.log.
//   - The state dir is short (≤ 70 bytes: a unix socket path holds 108,
//     and Dovecot's longest is …/dovecot/run/token-login/imap-urlauth) and
//     world-traversable (mode 755, and every parent o+x: the mail, dovecot
//     and postfix accounts must reach it, so never under /root).
//   - Mail is owned by Debian's "mail" account (uid 8): Dovecot refuses
//     mail access as root and, by default, below uid 500, so the config
//     sets first_valid_uid = last_valid_uid = 8. Seeded files get the same
//     owner, and are written to tmp/ and renamed into new/ like a delivery.
//   - Dovecot's listener overrides use the built-in names (imap, imaps,
//     pop3, pop3s); a listener of another name is added next to them, and a
//     root Dovecot would also bind 143, 993, 110 and 995.
//   - Dovecot 2.3 refuses to start without ssl_dh; the RFC 7919 ffdhe2048
//     group is embedded (generating parameters takes up to minutes).
//   - Failed logins: Dovecot's auth_failure_delay (2 s) is 0 by default
//     (Options.AuthFailureDelay), and the anvil per-IP auth penalty is off,
//     since otherwise one failed login from 127.0.0.1 delays the next good
//     one by seconds. Dovecot 2.3 still answers a failure only on its
//     500 ms timer.
//   - Dovecot's process and per-user/IP connection limits are raised to
//     1000 (every test connects from 127.0.0.1), and login and mail
//     processes are reused, which gives several times more logins/s.
//   - Postfix: every service runs unchrooted (Debian's chroot needs copies
//     of /etc in the queue dir); data_directory belongs to postfix (the
//     master's lock); logging goes to log/postfix.log through postlogd,
//     as there is no syslog; "postfix -c DIR start" works as root with a
//     private queue_directory, no multi-instance setup needed.
//   - Postfix will not use a main.cf modified less than ~2 s ago (it
//     sleeps and re-reads), so the config files are backdated by 10 s:
//     Postfix starts in 0.3 s instead of 2.4 s.
//   - In master.cf, syslog_name is spelt out: ${syslog_name}/submission
//     fails with "unreasonable macro call nesting".
//   - Stopping: pid files are stale after a crash (Postfix never removes
//     its own) and pids are recycled, so a master counts only if it runs
//     in its own directory, and every process is known by pid and start
//     time. SIGTERM goes to both masters, then again every 100 ms to every
//     process of the stack: a child forked but not yet exec'd when the
//     master's SIGTERM came misses it, and Dovecot's master would wait 5 s
//     for it. After 10 s, SIGKILL. A process counts as part of the stack if
//     it descends from a master or works (cwd or root) inside Dir; Stop
//     verifies in /proc that none is left. Zombies count as gone: the
//     daemons' parent is init, which reaps them when it pleases.
//   - A test binary killed without running Main's cleanup (SIGKILL, a
//     -timeout panic) leaves its servers running. Each state dir records
//     its owner's pid and start time, and the next Start in any package
//     stops and removes the stacks of owners that are gone.
//   - Connect to 127.0.0.1, not localhost: only IPv4 is bound, and
//     localhost may resolve to ::1 first.
package mailstack
