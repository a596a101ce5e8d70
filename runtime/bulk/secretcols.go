package bulk

import (
	"strings"
	"unicode"

	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// secretWords make a column secret when its name is one of them or has
// one as a word: "pass", "imap_password", "api-token", "Client Secret".
// A word, not a substring, so that "passthrough" or "tokens_used" stay
// visible; "key" is not among them, since it names the row key column.
var secretWords = []string{"pass", "password", "passwd", "passphrase", "pwd", "secret", "token"}

// IsSecretColumn reports whether a column of this name holds secrets:
// its name, or a word of it (split at anything but letters and digits),
// is one of pass, password, passwd, passphrase, pwd, secret, token, or the
// whole name is one of extra (all compared without case).
func IsSecretColumn(name string, extra ...string) bool {
	for _, e := range extra {
		if strings.EqualFold(strings.TrimSpace(e), name) {
			return true
		}
	}
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for _, w := range words {
		for _, s := range secretWords {
			if w == s {
				return true
			}
		}
	}
	return false
}

// MarkSecrets finds the secret columns of rows (IsSecretColumn with
// extra, the names given to --secret-columns), records them in each
// row's Secret map and registers every non-empty value they hold with
// secrets, so that transcripts, print, errors, results and the journal
// mask them. Run calls it; calling it again is harmless. Secret columns
// are never written to results, the journal or the summary, and are
// never a row's key.
func MarkSecrets(rows []Row, secrets *transcript.Secrets, extra ...string) {
	secret := map[string]bool{}
	decided := map[string]bool{}
	for _, r := range rows {
		for col := range r.Secret { // an earlier call's findings stay
			secret[col] = true
		}
		for _, col := range r.Order {
			if !decided[col] {
				decided[col] = true
				if IsSecretColumn(col, extra...) {
					secret[col] = true
				}
			}
		}
	}
	for i := range rows {
		rows[i].Secret = secret
		for col := range secret {
			if v := rows[i].Fields[col]; v != "" {
				secrets.Add(v)
			}
		}
	}
}

// publicColumns returns the row's columns that are not secret, for
// results: what identifies a row without giving anything away.
func publicColumns(r Row) map[string]string {
	cols := make(map[string]string, len(r.Order))
	for _, col := range r.Order {
		if v, ok := r.Fields[col]; ok && !r.Secret[col] {
			cols[col] = v
		}
	}
	return cols
}

// secretColumns decides, once per column name, which columns of the rows
// read are secret, and gives rows with the same secret columns one shared
// map. A map handed out is never changed (rows running read it), so a new
// secret column (JSON Lines rows may differ) makes a new map.
type secretColumns struct {
	extra   []string
	decided map[string]bool
	set     map[string]bool
}

func newSecretColumns(extra []string) secretColumns {
	return secretColumns{extra: extra, decided: map[string]bool{}, set: map[string]bool{}}
}

// of returns the row's Secret map: its own findings (an earlier
// MarkSecrets) and the secret columns among its names.
func (sc *secretColumns) of(r Row) map[string]bool {
	for col := range r.Secret {
		sc.addSecret(col)
	}
	for _, col := range r.Order {
		if _, ok := sc.decided[col]; !ok {
			secret := IsSecretColumn(col, sc.extra...)
			sc.decided[col] = secret
			if secret {
				sc.addSecret(col)
			}
		}
	}
	return sc.set
}

func (sc *secretColumns) addSecret(col string) {
	if sc.set[col] {
		return
	}
	next := make(map[string]bool, len(sc.set)+1)
	for c := range sc.set {
		next[c] = true
	}
	next[col] = true
	sc.set = next
}
