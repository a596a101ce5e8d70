package mailstack

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maildir returns the Maildir of a user given by name or address.
func (s *Stack) maildir(name string) (string, error) {
	u, ok := s.User(name)
	if !ok {
		return "", fmt.Errorf("mailstack: no user %q in this stack (user1..user%d)", name, len(s.Users))
	}
	return filepath.Join(s.Dir, "mail", u.Name, "Maildir"), nil
}

// Seed puts one message into a user's INBOX by writing it straight into
// the Maildir, as a delivery would: no SMTP or LMTP round trip, about a
// hundred times faster than `doveadm save`. The message is written to tmp/
// and renamed into new/, so Dovecot never sees half a file, and it is owned
// by the mail account like delivered mail. raw is stored as given (LF or
// CRLF line ends both work). Safe while the servers run; Dovecot indexes
// the message at the next POP3/IMAP access.
func (s *Stack) Seed(user string, raw []byte) error {
	md, err := s.maildir(user)
	if err != nil {
		return err
	}
	now := time.Now()
	// Maildir name: time.MusecPpid_Qseq.host, plus S=size, which lets
	// Dovecot skip a stat() per message.
	name := fmt.Sprintf("%d.M%dP%dQ%d.mailstack,S=%d", now.Unix(), now.Nanosecond()/1000, os.Getpid(), s.seq.Add(1), len(raw))
	tmp := filepath.Join(md, "tmp", name)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("mailstack: seed: %w", err)
	}
	_, err = f.Write(raw)
	if err == nil {
		err = f.Chown(s.vmail.uid, s.vmail.gid)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(md, "new", name))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("mailstack: seed: %w", err)
	}
	return nil
}

// SeedN seeds n small messages for user. Message k (1-based, counted per
// call) has Subject "seed k" and a Message-ID unique across the stack's
// lifetime.
func (s *Stack) SeedN(user string, n int) error {
	u, ok := s.User(user)
	if !ok {
		_, err := s.maildir(user)
		return err
	}
	date := time.Now().Format(time.RFC1123Z)
	for k := 1; k <= n; k++ {
		id := fmt.Sprintf("<seed-%d-%d-%d@%s>", os.Getpid(), time.Now().UnixNano(), s.seq.Add(1), s.Domain)
		msg := "Return-Path: <seed@" + s.Domain + ">\n" +
			"Message-ID: " + id + "\n" +
			"Date: " + date + "\n" +
			"From: Mailstack Seeder <seed@" + s.Domain + ">\n" +
			"To: " + u.Address + "\n" +
			"Subject: seed " + strconv.Itoa(k) + "\n" +
			"MIME-Version: 1.0\n" +
			"Content-Type: text/plain; charset=us-ascii\n" +
			"\n" +
			"Seeded message " + strconv.Itoa(k) + " of " + strconv.Itoa(n) + " for " + u.Name + ".\n"
		if err := s.Seed(u.Name, []byte(msg)); err != nil {
			return err
		}
	}
	return nil
}

// Mailbox returns the paths of the messages in a user's INBOX (Maildir new/
// and cur/), sorted. Dovecot moves a message from new/ to cur/ when a client
// first sees it, and renames it when its flags change, so read the files
// right away. A message caught in both directories is listed once.
func (s *Stack) Mailbox(user string) ([]string, error) {
	md, err := s.maildir(user)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]string) // unique name (without ":2,flags") -> path
	for _, sub := range []string{"new", "cur"} {
		ents, err := os.ReadDir(filepath.Join(md, sub))
		if err != nil {
			return nil, fmt.Errorf("mailstack: %w", err)
		}
		for _, e := range ents {
			if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
				continue
			}
			id, _, _ := strings.Cut(e.Name(), ":")
			byID[id] = filepath.Join(md, sub, e.Name())
		}
	}
	paths := make([]string, 0, len(byID))
	for _, p := range byID {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths, nil
}

// WaitDelivered waits until user's INBOX holds at least n messages and
// returns their paths. SMTP to Maildir normally takes a few tens of
// milliseconds; on timeout, the error quotes the end of Postfix's log.
func (s *Stack) WaitDelivered(user string, n int, timeout time.Duration) ([]string, error) {
	deadline := time.Now().Add(timeout)
	for {
		paths, err := s.Mailbox(user)
		if err != nil {
			// A rename by Dovecot between ReadDir calls is harmless: retry.
			if !errors.Is(err, os.ErrNotExist) || time.Now().After(deadline) {
				return nil, err
			}
		} else if len(paths) >= n {
			return paths, nil
		}
		if time.Now().After(deadline) {
			return paths, fmt.Errorf("mailstack: %s has %d messages after %v, want %d\n%s", user, len(paths), timeout, n, s.LogTail(10))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
