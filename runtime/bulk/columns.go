package bulk

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// A script that never reads its row does the same work, with the same
// credentials, for every row: one user's mailbox locked 200 times. The
// job tells the attempt what it read and which credentials it logged in
// with; the run warns once about columns never read, and the summary and
// the results say where the credentials came from.

// Where a row's login came from (Credential.Source).
const (
	CredentialsRow         = "row"         // the row's columns
	CredentialsEnvironment = "environment" // an environment variable (MAILEXPECT_USER/PASS ...)
	CredentialsFlags       = "flags"       // the script's arguments
	CredentialsFile        = "file"        // a secret file or ~/.netrc
	CredentialsScript      = "script"      // anywhere else: written in the script, the sandbox's users
)

// Credential is one login of a row: where its secret came from, and the
// user name (not a secret) when it did not come from the row.
type Credential struct {
	Source string `json:"source"`
	User   string `json:"user,omitempty"`
}

func (c Credential) String() string {
	if c.User == "" {
		return credentialSourceNames[c.Source]
	}
	return fmt.Sprintf("%s, user %s", credentialSourceNames[c.Source], c.User)
}

var credentialSourceNames = map[string]string{
	CredentialsRow: "the rows' columns", CredentialsEnvironment: "the environment", CredentialsFlags: "the script's arguments",
	CredentialsFile: "a secret file or ~/.netrc", CredentialsScript: "the script itself",
}

// TrackColumns says that the job reports what it reads of the row
// (ReadColumn): the run may then warn about columns never read. A Lua
// job does; a job that reports nothing is not warned about.
func (a *Attempt) TrackColumns() { a.ReadColumn("", false) }

// ReadColumn notes that the job read the row's column name, or, with
// all, every column (the script iterated the row, or encoded it whole).
// Either way the job tracks its reads (TrackColumns).
func (a *Attempt) ReadColumn(name string, all bool) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.read == nil {
		a.read = map[string]bool{}
	}
	switch {
	case all:
		a.readAll = true
	case name != "":
		a.read[name] = true
	}
}

// UsedCredentials notes a login of the row: where its secret came from
// (CredentialsRow ...) and the user name. The user is kept only for a
// login that did not come from the row, for the summary: "the
// environment (user bob)" for 200 rows is the trap to see.
func (a *Attempt) UsedCredentials(source, user string) {
	if a == nil {
		return
	}
	c := Credential{Source: source}
	if source != CredentialsRow {
		c.User = user
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, have := range a.creds {
		if have == c {
			return
		}
	}
	a.creds = append(a.creds, c)
}

// unreadLocked is the columns of the attempt's row the job never read,
// sorted, and whether the job reports its reads at all. The caller holds
// a.mu.
func (a *Attempt) unreadLocked() (unread []string, tracked bool) {
	if a.read == nil {
		return nil, false
	}
	if a.readAll {
		return nil, true
	}
	for col := range a.row.Fields {
		if !a.read[col] {
			unread = append(unread, col)
		}
	}
	sort.Strings(unread)
	return unread, true
}

// CredentialCount is one source (and user) of the run's logins, and the
// rows that logged in so. Others: the rows of this source whose users are
// past the list's bound (maxCredentialLines), counted together.
type CredentialCount struct {
	Credential
	Rows   int
	Others bool
}

// addCredentials counts a row's logins in counts (the run's summary, or
// results merge's).
func addCredentials(counts *[]CredentialCount, creds []Credential) {
	for _, c := range creds {
		found := false
		for i := range *counts {
			if (*counts)[i].Credential == c {
				(*counts)[i].Rows++
				found = true
				break
			}
		}
		if found {
			continue
		}
		if len(*counts) < maxCredentialLines {
			*counts = append(*counts, CredentialCount{Credential: c, Rows: 1})
			continue
		}
		// Past the bound a row still counts, with the others of its
		// source: the line's numbers add up to the rows that logged in.
		other := CredentialCount{Credential: Credential{Source: c.Source}, Others: true}
		for i := range *counts {
			if (*counts)[i].Others && (*counts)[i].Source == c.Source {
				(*counts)[i].Rows++
				found = true
				break
			}
		}
		if !found {
			other.Rows = 1
			*counts = append(*counts, other)
		}
	}
}

// maxCredentialLines bounds the summary's list of credential sources and
// users (rows whose users come from the environment are one user, not
// many); past it the rows count as "other users" of their source.
const maxCredentialLines = 10

// warnUnread warns, once, after the first row that finished with columns
// the script never read, naming them. The caller holds p.mu.
func (p *pool) warnUnread(key string, unread []string, fields int) {
	if p.warnedUnread || len(unread) == 0 {
		return
	}
	p.warnedUnread = true
	w := p.progress.printer()
	if w == nil {
		w = p.cfg.Warnings
	}
	if w == nil {
		return
	}
	cols := "columns " + strings.Join(unread, ", ")
	if len(unread) == 1 {
		cols = "column " + unread[0]
	}
	if len(unread) == fields {
		fmt.Fprintf(w, "warning: the script never read row (row %s, %s): every row does the same work, logging in with the same credentials\n", key, cols)
		return
	}
	fmt.Fprintf(w, "warning: the script did not read the %s of row %s (a misspelt column name is ignored, not an error)\n", cols, key)
}

// writeCredentials is the summary's credentials line:
//
//	credentials: the rows' columns (198 rows); the environment, user bob (2 rows)
func writeCredentials(w io.Writer, creds []CredentialCount) {
	if len(creds) == 0 {
		return
	}
	parts := make([]string, len(creds))
	for i, c := range creds {
		what := c.Credential.String()
		if c.Others {
			what += ", other users"
		}
		parts[i] = fmt.Sprintf("%s (%s)", what, plural(c.Rows, "row"))
	}
	fmt.Fprintf(w, "credentials: %s\n", strings.Join(parts, "; "))
}
