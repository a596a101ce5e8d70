// Package sandbox is mailexpect's embedded mail server: SMTP, POP3 and IMAP
// on loopback over one in-memory store, with demo users, a CA generated at
// start, and faults on demand. It is what `mailexpect sandbox` serves and
// what `mailexpect --sandbox SCRIPT.lua` runs a script against, so a new
// user can try a script with nothing else installed.
//
// What it is, in short:
//
//   - SMTP (emersion/go-smtp): an MX for @sandbox.test. EHLO advertises
//     STARTTLS, PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES, CHUNKING and
//     SIZE 10485760; AUTH PLAIN, LOGIN and CRAM-MD5 after STARTTLS. Mail for
//     a local user is accepted with or without AUTH; an unknown local user
//     gets 550 5.1.1; any other domain gets 554 5.7.1: it never relays. The
//     message is stored exactly as received (no Received header), so POP3
//     RETR and IMAP BODY[] give back the bytes that were sent.
//   - POP3 (pop3.go, written here): RFC 1939 with CAPA, STLS, APOP, UIDL,
//     TOP, SASL PLAIN/LOGIN/CRAM-MD5, response codes and pipelining.
//     Deletions are committed only by QUIT, which also sets \Seen on the
//     messages RETR'd (as Dovecot does); one POP3 session per user at a
//     time ([IN-USE]). UIDL ids are "UIDVALIDITY.UID" of the INBOX message.
//   - IMAP (emersion/go-imap v2 imapserver): IMAP4rev1 with STARTTLS,
//     UIDPLUS, MOVE, NAMESPACE, ESEARCH, SPECIAL-USE, IDLE, UNSELECT;
//     mailboxes INBOX and Trash (\Trash) per user.
//   - One Store: SMTP delivers into INBOX, which is POP3's maildrop and
//     IMAP's INBOX; a POP3 DELE+QUIT removes a message from IMAP, an IMAP
//     expunge removes it from the next POP3 session.
//
// Decisions a user would want to know:
//
//   - Passwords are never accepted in the clear unless
//     Config.AllowPlaintextAuth: SMTP AUTH and IMAP LOGIN/AUTHENTICATE
//     only after STARTTLS, POP3 USER/PASS and AUTH PLAIN/LOGIN only after
//     STLS. APOP and CRAM-MD5, which send no password, work before TLS too
//     (POP3). This matches a well-run server, and the mailexpect modules'
//     own refusal to send a password in the clear.
//   - Demo users demo1..demoN have fixed, well-known passwords
//     ("demo1-pass") on loopback, so the README and tests can use them.
//     Listening beyond loopback needs Config.ListenPublic, and then the
//     passwords are random.
//   - The CA and certificate are ECDSA P-256, new on every start (CA one
//     year, leaf 90 days; leaf names localhost, sandbox.test, 127.0.0.1,
//     ::1). CAFile is a 0600 temp file removed by Close.
//   - Faults (ParseFault, Config.AddFault) work on the wire below TLS:
//     drip and slow delay the server's writes, drop-after closes the
//     connection when the client's Nth line arrives (after STARTTLS/STLS
//     it counts the client's TLS records, one per command for a client
//     that writes a command at a time), bye refuses in the greeting;
//     reject-rcpt and tempfail are protocol answers.
package sandbox
