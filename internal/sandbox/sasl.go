package sandbox

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
)

// SASL mechanisms, in the order the three protocols advertise them. go-sasl
// has the server side of PLAIN only; LOGIN and CRAM-MD5 are small enough to
// write here, and scripts use both (CRAM-MD5 is what curl picks first).
const (
	mechPlain   = "PLAIN"
	mechLogin   = "LOGIN"
	mechCramMD5 = "CRAM-MD5"
)

var saslMechanisms = []string{mechPlain, mechLogin, mechCramMD5}

// saslLogin is how a protocol finishes a successful SASL exchange: it
// returns the protocol's own error for tempfail, a locked maildrop, ...
// authFailed is the protocol's error for wrong credentials.
type saslLogin struct {
	store      *Store
	login      func(*account) error
	authFailed error
}

// newSASLServer returns the server side of mech.
func (l saslLogin) newServer(mech string) (sasl.Server, error) {
	switch strings.ToUpper(mech) {
	case mechPlain:
		return sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				return l.authFailed // no proxy authorization in the sandbox
			}
			return l.check(username, password)
		}), nil
	case mechLogin:
		return &loginServer{check: l.check}, nil
	case mechCramMD5:
		return &cramMD5Server{l: l, challenge: newChallenge()}, nil
	}
	return nil, fmt.Errorf("unsupported SASL mechanism %q", mech)
}

func (l saslLogin) check(username, password string) error {
	a, ok := l.store.authenticate(username, password)
	if !ok {
		return l.authFailed
	}
	return l.login(a)
}

// loginServer is the LOGIN mechanism (draft-murchison-sasl-login): two
// prompts, "Username:" and "Password:".
type loginServer struct {
	check    func(username, password string) error
	username string
	step     int
}

func (s *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch s.step {
	case 0:
		s.step++
		if len(response) > 0 { // initial response carries the user name
			s.username = string(response)
			s.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		s.username = string(response)
		s.step++
		return []byte("Password:"), false, nil
	case 2:
		s.step++
		return nil, true, s.check(s.username, string(response))
	}
	return nil, false, errors.New("LOGIN: unexpected response")
}

// cramMD5Server is CRAM-MD5 (RFC 2195): the client proves it knows the
// password with HMAC-MD5 over a one-time challenge.
type cramMD5Server struct {
	l         saslLogin
	challenge string
	sent      bool
}

func (s *cramMD5Server) Next(response []byte) (challenge []byte, done bool, err error) {
	if !s.sent {
		s.sent = true
		return []byte(s.challenge), false, nil
	}
	username, digest, ok := strings.Cut(string(response), " ")
	if !ok {
		return nil, false, s.l.authFailed
	}
	a := s.l.store.account(username)
	if a == nil || !hmac.Equal([]byte(strings.ToLower(digest)), []byte(cramMD5Digest(a.user.Pass, s.challenge))) {
		return nil, false, s.l.authFailed
	}
	return nil, true, s.l.login(a)
}

func cramMD5Digest(pass, challenge string) string {
	mac := hmac.New(md5.New, []byte(pass))
	mac.Write([]byte(challenge))
	return hex.EncodeToString(mac.Sum(nil))
}

var challengeCounter atomic.Uint64

// newChallenge makes a one-time "<unique@host>" string, the form RFC 1939
// wants for the APOP timestamp and RFC 2195 for CRAM-MD5.
func newChallenge() string {
	var b [6]byte
	rand.Read(b[:])
	return fmt.Sprintf("<%d.%d.%s@%s>", os.Getpid(), time.Now().UnixNano()+int64(challengeCounter.Add(1)), hex.EncodeToString(b[:]), sandboxDomain)
}
