package fakeserver

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestScript(t *testing.T) {
	for _, resplit := range []bool{false, true} {
		start := Start
		if resplit {
			start = StartResplit
		}
		sc := start(t, "S: 220 mx.test ready\nC: STARTTLS\nSR: \"220 go\\r\\n\"\nTLS\nC: *\nS: 250 ok\nACCEPT\nS: 220 again")
		c, err := net.Dial("tcp", sc.Addr())
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(c)
		if line, _ := br.ReadString('\n'); line != "220 mx.test ready\r\n" {
			t.Fatalf("greeting %q", line)
		}
		io.WriteString(c, "STARTTLS\r\n")
		if line, _ := br.ReadString('\n'); line != "220 go\r\n" {
			t.Fatalf("go-ahead %q", line)
		}
		tc := tls.Client(c, &tls.Config{ServerName: "mx.test", InsecureSkipVerify: true})
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		leaf := tc.ConnectionState().PeerCertificates[0]
		if leaf.Subject.CommonName != "mx.test" || !leaf.NotAfter.Equal(NotAfter) {
			t.Errorf("certificate %v until %v", leaf.Subject, leaf.NotAfter)
		}
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "mx.test"}); err == nil {
			t.Error("the certificate verifies against the system roots")
		}
		io.WriteString(tc, "EHLO x\r\n")
		if line, _ := bufio.NewReader(tc).ReadString('\n'); line != "250 ok\r\n" {
			t.Fatalf("after TLS %q", line)
		}
		tc.Close()

		c2, err := net.Dial("tcp", sc.Addr()) // the part after ACCEPT
		if err != nil {
			t.Fatal(err)
		}
		if line, _ := bufio.NewReader(c2).ReadString('\n'); line != "220 again\r\n" {
			t.Errorf("second connection %q", line)
		}
		c2.Close()
		if got := sc.Received(); !strings.HasPrefix(got, "STARTTLS\r\n") {
			t.Errorf("Received %q", got)
		}
	}
}

func TestServeOneAndClosedAddr(t *testing.T) {
	addr := ServeOne(t, func(c net.Conn) { io.WriteString(c, "hello\r\n") })
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(c); string(b) != "hello\r\n" {
		t.Errorf("read %q; the connection should close when the handler returns", b)
	}
	c.Close()
	time.Sleep(10 * time.Millisecond)
	if _, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("a second connection to ServeOne: %v, want refused", err)
	}
	if _, err := net.Dial("tcp", ClosedAddr(t)); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("ClosedAddr: %v, want refused", err)
	}
}

// TestServeEvery: every connection gets the handler, at the same time.
func TestServeEvery(t *testing.T) {
	addr := Serve(t, func(c net.Conn) {
		io.WriteString(c, "+OK\r\n")
		io.Copy(io.Discard, c)
	})
	var conns []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if line, _ := bufio.NewReader(c).ReadString('\n'); line != "+OK\r\n" {
			t.Errorf("greeting %q", line)
		}
	}
	for _, c := range conns {
		c.Close()
	}
}
