package luabind

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"flag"
	"fmt"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// TestLuaFiles runs every testdata/*.lua as a subtest. A test file states
// what it expects in leading comments:
//
//	-- want-exit: 1                   exit code (default 0)
//	-- want-error: check.lua:3: msg   the error line, exactly (with the
//	                                  chunk name testdata/NAME.lua)
//	-- want-stdout: text              a line print() must have written
//	-- args: a b c                    the script's arguments ($SERVER: the
//	                                  canned server's address)
//	-- config: restricted dry-run plugin timeout=0.2 max-time=0.5
//
// A file NAME.server next to it is a canned server (see fakeServer); its
// address is the global SERVER. The harness also provides the global T:
// T.eq(got, want [, what]) and T.fails(fn) -> the error fn raised.
func TestLuaFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/*.lua")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/*.lua: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".lua")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runLuaFile(t, file, false)
		})
		// The matching rules promise the same result however TCP splits
		// the server's bytes: play every canned server again in pieces.
		if _, err := os.Stat(strings.TrimSuffix(file, ".lua") + ".server"); err == nil {
			t.Run(name+"_resplit", func(t *testing.T) {
				t.Parallel()
				runLuaFile(t, file, true)
			})
		}
	}
}

type luaFileSpec struct {
	exit    int
	errLine string
	hasErr  bool
	stdout  []string
	args    []string
	cfg     Config
}

func parseSpec(t *testing.T, src []byte) luaFileSpec {
	var s luaFileSpec
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "-- ") {
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#!") {
				continue
			}
			break
		}
		key, val, ok := strings.Cut(strings.TrimPrefix(line, "-- "), ": ")
		if !ok {
			continue
		}
		switch key {
		case "want-exit":
			s.exit, _ = strconv.Atoi(val)
		case "want-error":
			s.errLine, s.hasErr = val, true
		case "want-stdout":
			s.stdout = append(s.stdout, val)
		case "args":
			s.args = strings.Fields(val)
		case "config":
			for _, f := range strings.Fields(val) {
				k, v, _ := strings.Cut(f, "=")
				secs, _ := strconv.ParseFloat(v, 64)
				switch k {
				case "restricted":
					s.cfg.Restricted = true
				case "dry-run":
					s.cfg.DryRun = true
				case "plugin":
					s.cfg.Plugin = true
				case "timeout":
					s.cfg.Timeout = seconds(secs)
				case "max-time":
					s.cfg.MaxTime = seconds(secs)
				default:
					t.Fatalf("unknown config %q", k)
				}
			}
		}
	}
	return s
}

func runLuaFile(t *testing.T, file string, resplit bool) {
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	spec := parseSpec(t, src)
	var stdout, stderr bytes.Buffer
	cfg := spec.cfg
	cfg.Stdout, cfg.Stderr = &stdout, &stderr
	cfg.ScriptName = file
	cfg.ReadOnly = map[string]any{}

	serverFile := strings.TrimSuffix(file, ".lua") + ".server"
	serverAddr := "no server"
	if script, err := os.ReadFile(serverFile); err == nil {
		srv := startFakeServer(t, string(script), resplit)
		serverAddr = srv.addr
		cfg.ReadOnly["SERVER"] = srv.addr
	}
	for _, a := range spec.args {
		cfg.Args = append(cfg.Args, strings.ReplaceAll(a, "$SERVER", serverAddr))
	}
	// A NAME.transcript next to the test is the golden text transcript,
	// with every timestamp shown as T.
	golden, _ := os.ReadFile(strings.TrimSuffix(file, ".lua") + ".transcript")
	if *update && !resplit {
		if _, err := os.Stat(serverFile); err == nil && golden == nil && strings.HasPrefix(filepath.Base(file), "golden_") {
			golden = []byte{}
		}
	}
	var tr bytes.Buffer
	if golden != nil {
		cfg.Secrets = transcript.NewSecrets()
		cfg.Transcript = transcript.New(&tr, transcript.Text, cfg.Secrets)
	}

	rn := NewRunner(cfg)
	rn.testHook = installT
	code, err := rn.RunSource(context.Background(), file, src)
	if code != spec.exit {
		t.Errorf("exit code %d, want %d; error: %v\nstderr:\n%s", code, spec.exit, err, stderr.String())
	}
	switch {
	case spec.hasErr && err == nil:
		t.Errorf("no error, want %q", spec.errLine)
	case spec.hasErr && err.Error() != spec.errLine:
		t.Errorf("error:\n got %q\nwant %q", err.Error(), spec.errLine)
	case !spec.hasErr && err != nil:
		t.Errorf("unexpected error: %v", err)
	}
	if golden != nil {
		got := timestampRE.ReplaceAllString(tr.String(), "T ")
		got = strings.ReplaceAll(got, serverAddr, "SERVER")
		if *update {
			os.WriteFile(strings.TrimSuffix(file, ".lua")+".transcript", []byte(got), 0o644)
		}
		if diff := cmp.Diff(strings.Split(string(golden), "\n"), strings.Split(got, "\n")); diff != "" {
			t.Errorf("transcript (-want +got):\n%s", diff)
		}
	}
	for _, want := range spec.stdout {
		if !containsLine(stdout.String(), want) {
			t.Errorf("stdout lacks line %q; stdout:\n%s", want, stdout.String())
		}
	}
	if testing.Verbose() && stdout.Len() > 0 {
		t.Logf("stdout:\n%s", stdout.String())
	}
}

var update = flag.Bool("update", false, "rewrite testdata/*.transcript from this run")

var timestampRE = regexp.MustCompile(`(?m)^\S+Z `)

func containsLine(out, want string) bool {
	for _, l := range strings.Split(out, "\n") {
		if l == want {
			return true
		}
	}
	return false
}

// installT adds the T test helpers to a state.
func installT(r *run, L *lua.LState) {
	tt := L.NewTable()
	tt.RawSetString("eq", L.NewFunction(func(L *lua.LState) int {
		got, want := L.Get(1), L.Get(2)
		if !L.Equal(got, want) && luaString(L, got) != luaString(L, want) || got.Type() != want.Type() {
			what := L.OptString(3, "value")
			L.RaiseError("%s: got %s (%s), want %s (%s)", what, luaString(L, got), got.Type(), luaString(L, want), want.Type())
		}
		return 0
	}))
	tt.RawSetString("fails", L.NewFunction(func(L *lua.LState) int {
		fn := L.CheckFunction(1)
		L.Push(fn)
		if err := L.PCall(0, 0, nil); err != nil {
			L.Push(err.(*lua.ApiError).Object)
			return 1
		}
		L.RaiseError("T.fails: the function did not raise")
		return 0
	}))
	L.SetGlobal("T", tt)

	// testmod stands in for an embedded module: its chunk name carries the
	// module prefix, so errors raised inside it must point at the caller.
	proto, err := testModuleProto()
	if err != nil {
		L.RaiseError("testmod: %v", err)
	}
	preload := L.GetField(L.GetGlobal("package"), "preload").(*lua.LTable)
	preload.RawSetString("testmod", L.NewFunction(func(L *lua.LState) int {
		L.Push(L.NewFunctionFromProto(proto))
		L.Call(0, 1)
		return 1
	}))
}

var testModuleProto = sync.OnceValues(func() (*lua.FunctionProto, error) {
	return Compile(moduleChunkPrefix+"testmod.lua", []byte(`
local M = {}
function M.bad_pattern() return regex.compile("(") end
function M.nested() return M.bad_pattern() end
function M.raise_string() error("module said no") end
return M
`))
})

// fakeServer plays a canned conversation on 127.0.0.1:0. Script lines:
//
//	S: text        send text + CRLF
//	SR: "quoted"   send the Go-quoted bytes as they are
//	C: text        read one line from the client; it must equal text
//	C: *           read one line, any content
//	SLEEP: 0.1     pause (seconds)
//	CLOSE          close the connection now
//	HANG           wait until the client closes
//	TLS            TLS handshake as the server (self-signed, CN mx.test)
//	TLS-REJECTED   a handshake the client must refuse; ends the script
//	ACCEPT         end of this connection's script; the next connection
//	               plays the lines after it
//	# ...          comment
type fakeServer struct {
	addr    string
	resplit bool // write in small random pieces
	mu      sync.Mutex
	errs    []string
	got     bytes.Buffer // everything the client sent
}

func startFakeServer(t *testing.T, script string, resplit bool) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{addr: ln.Addr().String(), resplit: resplit}
	conns := strings.Split(script, "\nACCEPT\n")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, c := range conns {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.play(conn, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, e := range s.errs {
			t.Errorf("fake server: %s", e)
		}
	})
	return s
}

func (s *fakeServer) fail(format string, args ...any) {
	s.mu.Lock()
	s.errs = append(s.errs, fmt.Sprintf(format, args...))
	s.mu.Unlock()
}

func (s *fakeServer) play(conn net.Conn, script string) {
	defer func() { conn.Close() }()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(io.TeeReader(conn, &lockedWriter{s}))
	for _, line := range strings.Split(script, "\n") {
		cmd, arg, _ := strings.Cut(line, ": ")
		switch {
		case line == "TLS-REJECTED":
			// The client is expected to refuse the certificate.
			if err := tls.Server(conn, testTLSConfig()).Handshake(); err == nil {
				s.fail("TLS handshake succeeded; the client should have refused the certificate")
			}
			return
		case line == "TLS":
			if br.Buffered() > 0 {
				s.fail("client sent data before the TLS handshake")
				return
			}
			tc := tls.Server(conn, testTLSConfig())
			if err := tc.Handshake(); err != nil {
				s.fail("TLS handshake: %v", err)
				return
			}
			conn = tc
			br = bufio.NewReader(io.TeeReader(conn, &lockedWriter{s}))
		case line == "" || strings.HasPrefix(line, "#"):
		case cmd == "S":
			s.write(conn, arg+"\r\n")
		case cmd == "SR":
			b, err := strconv.Unquote(arg)
			if err != nil {
				s.fail("bad SR line %q", line)
				return
			}
			s.write(conn, b)
		case cmd == "C":
			got, err := br.ReadString('\n')
			if err != nil {
				s.fail("waiting for %q: %v", arg, err)
				return
			}
			got = strings.TrimRight(got, "\r\n")
			if arg != "*" && got != arg {
				s.fail("client sent %q, want %q", got, arg)
				return
			}
		case cmd == "SLEEP":
			f, _ := strconv.ParseFloat(arg, 64)
			time.Sleep(seconds(f))
		case line == "CLOSE":
			return
		case line == "HANG":
			io.Copy(io.Discard, br)
			return
		default:
			s.fail("bad script line %q", line)
			return
		}
	}
	// End of script: let the client finish reading, then close.
	io.Copy(io.Discard, br)
}

// testTLSConfig is a self-signed certificate for mx.test, made once.
var testTLSConfig = sync.OnceValue(func() *tls.Config {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mx.test"},
		Issuer:       pkix.Name{CommonName: "mx.test"},
		DNSNames:     []string{"mx.test"},
		NotBefore:    time.Unix(1700000000, 0),
		NotAfter:     time.Unix(2000000000, 0),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
})

// write sends data, in resplit mode as pieces of 1 to 5 bytes with a
// short pause between them so that they arrive as separate reads.
func (s *fakeServer) write(conn net.Conn, data string) {
	if !s.resplit {
		io.WriteString(conn, data)
		return
	}
	for len(data) > 0 {
		n := min(len(data), 1+mrand.IntN(5))
		io.WriteString(conn, data[:n])
		data = data[n:]
		time.Sleep(50 * time.Microsecond)
	}
}

type lockedWriter struct{ s *fakeServer }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.got.Write(p)
}
