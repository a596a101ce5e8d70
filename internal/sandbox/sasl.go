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
	"github.com/xdg-go/scram"
)

// SASL mechanisms, in the order the three protocols advertise them. go-sasl
// has the server side of PLAIN and OAUTHBEARER; SCRAM is xdg-go/scram's;
// LOGIN, CRAM-MD5 and XOAUTH2 are small enough to write here, and scripts
// use them (CRAM-MD5 is what curl picks first).
//
// The sandbox has no authorization server: the bearer token of
// OAUTHBEARER and XOAUTH2 is the account's password.
const (
	mechPlain       = "PLAIN"
	mechLogin       = "LOGIN"
	mechCramMD5     = "CRAM-MD5"
	mechScramSHA1   = "SCRAM-SHA-1"
	mechScramSHA256 = "SCRAM-SHA-256"
	mechOAuthBearer = "OAUTHBEARER"
	mechXOAuth2     = "XOAUTH2"
)

var saslMechanisms = []string{mechPlain, mechLogin, mechCramMD5, mechScramSHA1, mechScramSHA256, mechOAuthBearer, mechXOAuth2}

// digestMechanisms never carry the password or a token: they may run
// before TLS.
var digestMechanisms = []string{mechCramMD5, mechScramSHA1, mechScramSHA256}

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
	case mechScramSHA1:
		return l.newSCRAM(scram.SHA1)
	case mechScramSHA256:
		return l.newSCRAM(scram.SHA256)
	case mechOAuthBearer:
		return protocolErrors{sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if l.checkToken(o.Username, o.Token) != nil {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			return nil
		}), l.authFailed}, nil
	case mechXOAuth2:
		return &xoauth2Server{l: l}, nil
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

// checkToken logs in username with a bearer token (the password here).
func (l saslLogin) checkToken(username, token string) error {
	if a, ok := l.store.authenticate(username, token); ok {
		return l.login(a)
	}
	return l.authFailed
}

// scramServer is SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, RFC 7677) over
// xdg-go/scram. The server-final message (its signature) goes out as a
// challenge the client answers empty, so that every protocol carries it
// alike (RFC 4422 5: not as additional data with success).
type scramServer struct {
	l       saslLogin
	conv    *scram.ServerConversation
	started bool
	proved  bool
}

func (l saslLogin) newSCRAM(hash scram.HashGeneratorFcn) (sasl.Server, error) {
	srv, err := hash.NewServer(func(username string) (scram.StoredCredentials, error) {
		a := l.store.account(username)
		if a == nil {
			return scram.StoredCredentials{}, l.authFailed
		}
		c, err := hash.NewClientUnprepped(username, a.user.Pass, "")
		if err != nil {
			return scram.StoredCredentials{}, err
		}
		var salt [16]byte
		rand.Read(salt[:])
		return c.GetStoredCredentials(scram.KeyFactors{Salt: string(salt[:]), Iters: 4096}), nil
	})
	if err != nil {
		return nil, err
	}
	return &scramServer{l: l, conv: srv.NewConversation()}, nil
}

func (s *scramServer) Next(response []byte) (challenge []byte, done bool, err error) {
	if s.proved {
		if len(response) != 0 {
			return nil, false, s.l.authFailed
		}
		a := s.l.store.account(s.conv.Username())
		if a == nil {
			return nil, false, s.l.authFailed
		}
		return nil, true, s.l.login(a)
	}
	if !s.started && len(response) == 0 {
		s.started = true
		return []byte{}, false, nil // no initial response: ask for client-first
	}
	s.started = true
	out, err := s.conv.Step(string(response))
	if err != nil {
		return nil, false, s.l.authFailed
	}
	if s.conv.Done() {
		if !s.conv.Valid() {
			return nil, false, s.l.authFailed
		}
		if z := s.conv.AuthzID(); z != "" && z != s.conv.Username() {
			return nil, false, s.l.authFailed // no proxy authorization in the sandbox
		}
		s.proved = true
	}
	return []byte(out), false, nil
}

// xoauth2Server is Google's XOAUTH2: "user=U^Aauth=Bearer T^A^A"; a
// refusal is a JSON challenge, answered empty, then the failure.
type xoauth2Server struct {
	l      saslLogin
	failed bool
}

func (s *xoauth2Server) Next(response []byte) (challenge []byte, done bool, err error) {
	if s.failed {
		return nil, false, s.l.authFailed
	}
	if response == nil {
		return []byte{}, false, nil
	}
	var user, token string
	for _, kv := range strings.Split(string(response), "\x01") {
		if v, ok := strings.CutPrefix(kv, "user="); ok {
			user = v
		} else if v, ok := strings.CutPrefix(kv, "auth="); ok && len(v) > 7 && strings.EqualFold(v[:7], "Bearer ") {
			token = v[7:]
		}
	}
	if user != "" && token != "" {
		if err := s.l.checkToken(user, token); err != s.l.authFailed {
			return nil, err == nil, err
		}
	}
	s.failed = true
	return []byte(`{"status":"401","schemes":"bearer"}`), false, nil
}

// protocolErrors gives a go-sasl server's own errors (an
// *OAuthBearerError after the refusal) as the protocol's authFailed: the
// protocol servers know only their own errors and call anything else a
// server bug.
type protocolErrors struct {
	sasl.Server
	authFailed error
}

func (p protocolErrors) Next(response []byte) ([]byte, bool, error) {
	challenge, done, err := p.Server.Next(response)
	if err != nil {
		err = p.authFailed
	}
	return challenge, done, err
}
