package mailstack

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"
)

// configData is what the configuration templates see.
type configData struct {
	Dir, Instance, Domain string
	TLS                   tlsFiles
	VmailUID, VmailGID    int
	AuthFailureDelay      int // seconds
	PostfixTLS12          bool
	MaxConn, ClientLimit  int
	Port                  ports
}

// ports are the TCP ports of one start attempt, all on 127.0.0.1.
type ports struct {
	SMTP, Submission, SMTPS, POP3, POP3S, IMAP, IMAPS, LMTP, Auth int
}

func (p ports) list() []int {
	return []int{p.SMTP, p.Submission, p.SMTPS, p.POP3, p.POP3S, p.IMAP, p.IMAPS, p.LMTP, p.Auth}
}

// maxConn bounds Dovecot's processes per service and connections per user
// and IP. Dovecot's defaults (100 processes, 10 connections per user and
// IP) break load tests, which all come from 127.0.0.1.
const maxConn = 1000

// The Dovecot configuration is standalone (no /etc/dovecot includes), so
// the packaged defaults in /etc/dovecot cannot change what tests see.
var dovecotConf = template.Must(template.New("dovecot.conf").Parse(`# Written by mailstack (internal/mailstack). Standalone: no includes.
instance_name = {{.Instance}}
base_dir = {{.Dir}}/dovecot/run
state_dir = {{.Dir}}/dovecot/lib
log_path = {{.Dir}}/log/dovecot.log
log_timestamp = "%Y-%m-%d %H:%M:%S "
protocols = imap pop3 lmtp
listen = 127.0.0.1
hostname = mail.{{.Domain}}
postmaster_address = postmaster@{{.Domain}}
verbose_proctitle = yes

ssl = yes
ssl_cert = <{{.TLS.Cert}}
ssl_key = <{{.TLS.Key}}
ssl_dh = <{{.TLS.DH}}
ssl_min_protocol = TLSv1.2

# Tests log in over plain TCP too; APOP, CRAM-MD5 and SCRAM need the passwords in
# clear, hence {PLAIN} in the users file.
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5 apop scram-sha-1 scram-sha-256
auth_username_format = %Ln
auth_failure_delay = {{.AuthFailureDelay}}
recipient_delimiter = +

# Debian's accounts (created by dovecot-core). Mail is owned by the
# "mail" account: Dovecot refuses mail access as root, and the default
# first_valid_uid (500) would refuse uid 8.
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = {{.VmailUID}}
last_valid_uid = {{.VmailUID}}
first_valid_gid = {{.VmailGID}}
mail_location = maildir:~/Maildir
mail_max_userip_connections = {{.MaxConn}}
default_process_limit = {{.MaxConn}}
default_client_limit = {{.ClientLimit}}

passdb {
  driver = passwd-file
  args = scheme=PLAIN {{.Dir}}/dovecot/users
}
userdb {
  driver = passwd-file
  args = {{.Dir}}/dovecot/users
}

# The listener names must be the built-in ones (imap, imaps, pop3, pop3s):
# a listener with another name is added next to them, and a root Dovecot
# would then also bind 143, 993, 110 and 995.
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = {{.Port.IMAP}}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = {{.Port.IMAPS}}
    ssl = yes
  }
  # One login process serves many connections, and two are ready at once.
  service_count = 0
  process_min_avail = 2
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = {{.Port.POP3}}
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = {{.Port.POP3S}}
    ssl = yes
  }
  service_count = 0
  process_min_avail = 2
}
# Reuse mail processes (safe: every user has the same uid). Several times
# more logins per second than a process per connection.
service imap {
  service_count = 100
  process_min_avail = 2
}
service pop3 {
  service_count = 100
  process_min_avail = 2
}
# Postfix delivers here; tests may speak LMTP to it directly, over TCP or
# over the Unix socket (base_dir/lmtp, as a packaged Dovecot has it).
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = {{.Port.LMTP}}
  }
  unix_listener lmtp {
    mode = 0666
  }
}
# Dovecot SASL for Postfix's smtpd (smtpd_sasl_type = dovecot).
service auth {
  inet_listener sasl {
    address = 127.0.0.1
    port = {{.Port.Auth}}
  }
}
# No per-IP auth penalty: after a failed login, anvil would delay even good
# logins from 127.0.0.1 by up to 15 s. Auth skips the penalty when it cannot
# use this socket.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
`))

var postfixMainCf = template.Must(template.New("main.cf").Parse(`# Written by mailstack (internal/mailstack). Used as: postfix -c {{.Dir}}/postfix/etc
compatibility_level = 3.6
queue_directory = {{.Dir}}/postfix/spool
data_directory = {{.Dir}}/postfix/data
mail_owner = postfix
setgid_group = postdrop
syslog_name = {{.Instance}}
# No syslog here: log to a file through the postlog service (master.cf).
maillog_file = {{.Dir}}/log/postfix.log
maillog_file_prefixes = {{.Dir}}/log

myhostname = mail.{{.Domain}}
mydomain = {{.Domain}}
myorigin = $mydomain
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_banner = $myhostname ESMTP Postfix (mailstack)
biff = no
append_dot_mydomain = no
recipient_delimiter = +
alias_maps =
alias_database =
local_recipient_maps =

# Every user's mail goes to Dovecot over LMTP; nothing ever leaves the host.
virtual_mailbox_domains = {{.Domain}} localhost
virtual_mailbox_maps = texthash:{{.Dir}}/postfix/etc/vmailbox
virtual_transport = lmtp:inet:127.0.0.1:{{.Port.LMTP}}
local_transport = error:5.1.1 local delivery disabled (mailstack)
default_transport = error:5.7.1 outbound mail disabled (mailstack test stack)
relay_transport = error:5.7.1 outbound mail disabled (mailstack test stack)
message_size_limit = 104857600
mailbox_size_limit = 0
# Mail deferred while Dovecot was down is retried within seconds.
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 30s

smtpd_tls_cert_file = {{.TLS.Cert}}
smtpd_tls_key_file = {{.TLS.Key}}
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
{{- if .PostfixTLS12}}
smtpd_tls_protocols = >=TLSv1.2, <=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1.2, <=TLSv1.2
{{- end}}
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:{{.Port.Auth}}
smtpd_sasl_auth_enable = yes
smtpd_tls_auth_only = no
# Like a real MX: anyone may send to local users, only clients that
# authenticated may relay.
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
`))

// Every service runs unchrooted ("n"): Debian's stock master.cf chroots
// most of them, which needs copies of /etc files inside the queue
// directory. syslog_name is written out in full: ${syslog_name}/submission
// fails with "unreasonable macro call nesting".
var postfixMasterCf = template.Must(template.New("master.cf").Parse(`# Written by mailstack (internal/mailstack).
# service type  private unpriv chroot wakeup maxproc command + args
127.0.0.1:{{.Port.SMTP}} inet n - n - - smtpd
127.0.0.1:{{.Port.Submission}} inet n - n - - smtpd
  -o syslog_name={{.Instance}}/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
127.0.0.1:{{.Port.SMTPS}} inet n - n - - smtpd
  -o syslog_name={{.Instance}}/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`))

// writeConfig writes both servers' configuration for the given ports.
func (s *Stack) writeConfig(p ports) error {
	d := configData{
		Dir:              s.Dir,
		Instance:         s.instance,
		Domain:           s.Domain,
		TLS:              s.tls,
		VmailUID:         s.vmail.uid,
		VmailGID:         s.vmail.gid,
		AuthFailureDelay: s.opts.authFailureDelaySecs(),
		PostfixTLS12:     s.opts.PostfixTLS12,
		MaxConn:          maxConn,
		// auth must accept a connection from every login, mail and lmtp process.
		ClientLimit: 7 * maxConn,
		Port:        p,
	}
	files := []struct {
		path string
		tmpl *template.Template
	}{
		{filepath.Join(s.Dir, "dovecot", "dovecot.conf"), dovecotConf},
		{filepath.Join(s.Dir, "postfix", "etc", "main.cf"), postfixMainCf},
		{filepath.Join(s.Dir, "postfix", "etc", "master.cf"), postfixMasterCf},
	}
	for _, f := range files {
		var b strings.Builder
		if err := f.tmpl.Execute(&b, d); err != nil {
			return fmt.Errorf("mailstack: %s: %w", f.tmpl.Name(), err)
		}
		if err := os.WriteFile(f.path, []byte(b.String()), 0o644); err != nil {
			return fmt.Errorf("mailstack: %w", err)
		}
	}
	return backdatePostfixConfig(s.Dir)
}

// backdatePostfixConfig sets the Postfix files' times 10 s into the past.
// Postfix lets a configuration file "cool down": it will not use a main.cf
// (or texthash table) modified within the last ~2 s, and every Postfix
// command sleeps and re-reads until it is older. Fresh files would cost
// about 2 s per start.
func backdatePostfixConfig(dir string) error {
	t := time.Now().Add(-10 * time.Second)
	for _, name := range []string{"main.cf", "master.cf", "vmailbox"} {
		if err := os.Chtimes(filepath.Join(dir, "postfix", "etc", name), t, t); err != nil {
			return fmt.Errorf("mailstack: backdate Postfix config: %w", err)
		}
	}
	return nil
}
