package sandbox

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// webMessage is a multipart message as a mail client sends it: an RFC 2047
// subject, text and HTML alternatives and an attachment with an RFC 2231
// file name.
const webMessage = "From: =?utf-8?q?J=C3=B6rg?= <demo2@sandbox.test>\r\n" +
	"To: demo1@sandbox.test\r\n" +
	"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\r\n" +
	"Date: Sun, 06 Dec 2026 10:00:00 +0100\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=outer\r\n" +
	"\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/alternative; boundary=inner\r\n" +
	"\r\n" +
	"--inner\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"plain body\r\n" +
	"--inner\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"\r\n" +
	"<p onclick=\"x()\">html <script>evil()</script>body</p>\r\n" +
	"--inner--\r\n" +
	"--outer\r\n" +
	"Content-Type: text/csv\r\n" +
	"Content-Disposition: attachment; filename*=utf-8''%C3%9Cbersicht.csv\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"YSxiCjEsMgo=\r\n" +
	"--outer--\r\n"

func startWeb(t *testing.T, public bool) (*Server, *httptest.Server) {
	t.Helper()
	srv := startSandbox(t, Config{})
	hs := httptest.NewServer(srv.WebHandler(public))
	t.Cleanup(hs.Close)
	return srv, hs
}

func do(t *testing.T, method, url string, body io.Reader, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1] // Header.Set("Host") is ignored by the client
		}
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func contains(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, body)
		}
	}
}

// TestWebAPI: the JSON API lists users (never their passwords) and
// messages with decoded subjects, shows one message's parts, downloads an
// attachment and deletes.
func TestWebAPI(t *testing.T) {
	srv, hs := startWeb(t, false)
	if err := srv.Store().Deliver("demo1@sandbox.test", []byte(webMessage)); err != nil {
		t.Fatal(err)
	}
	srv.Store().Deliver("demo2@sandbox.test", testMessage("second"))

	resp, body := do(t, "GET", hs.URL+"/api/users", nil)
	if resp.StatusCode != 200 || strings.Contains(body, "demo1-pass") {
		t.Fatalf("users: %d %s", resp.StatusCode, body)
	}
	var users []WebUser
	json.Unmarshal([]byte(body), &users)
	if len(users) != 3 || users[0].User != "demo1" || users[0].Mailboxes[0].Name != "INBOX" || users[0].Mailboxes[0].Messages != 1 {
		t.Errorf("users: %+v", users)
	}

	_, body = do(t, "GET", hs.URL+"/api/messages", nil)
	var list []WebMessage
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("%d messages: %s", len(list), body)
	}
	m := list[1] // newest first: demo1's was delivered first
	if m.ID != "demo1/INBOX/1" || m.User != "demo1" || m.Subject != "Grüße aus Köln" || m.URL != "/message/demo1/INBOX/1" ||
		m.From != "Jörg <demo2@sandbox.test>" || m.Date == nil || !m.Date.Equal(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)) ||
		len(m.Attachments) != 1 || m.Attachments[0].Name != "Übersicht.csv" || m.Attachments[0].Size != 8 {
		t.Errorf("message: %+v", m)
	}
	_, body = do(t, "GET", hs.URL+"/api/messages?user=demo2", nil)
	if !strings.Contains(body, `"subject": "second"`) || strings.Contains(body, "Köln") {
		t.Errorf("user filter: %s", body)
	}
	if resp, _ := do(t, "GET", hs.URL+"/api/messages?user=nobody", nil); resp.StatusCode != 404 {
		t.Errorf("unknown user: %d", resp.StatusCode)
	}

	_, body = do(t, "GET", hs.URL+"/api/messages/demo1/INBOX/1", nil)
	var d WebMessage
	json.Unmarshal([]byte(body), &d)
	if d.Text == nil || *d.Text != "plain body" || d.HTML == nil || !strings.Contains(*d.HTML, "<script>") || d.RawURL != "/message/demo1/INBOX/1/raw" {
		t.Errorf("detail: %s", body)
	}

	resp, body = do(t, "GET", hs.URL+m.Attachments[0].URL, nil)
	if body != "a,b\n1,2\n" || resp.Header.Get("Content-Type") != "application/octet-stream" ||
		resp.Header.Get("Content-Disposition") != "attachment; filename*=utf-8''%C3%9Cbersicht.csv" {
		t.Errorf("attachment: %q %v", body, resp.Header)
	}
	resp, body = do(t, "GET", hs.URL+"/message/demo1/INBOX/1/raw", nil)
	if body != webMessage || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("raw: %v", resp.Header)
	}

	if resp, _ := do(t, "DELETE", hs.URL+"/api/messages/demo1/INBOX/1", nil); resp.StatusCode != 204 {
		t.Errorf("delete: %d", resp.StatusCode)
	}
	if n := srv.Store().Count("demo1", "INBOX"); n != 0 {
		t.Errorf("%d messages left after delete", n)
	}
	if resp, _ := do(t, "DELETE", hs.URL+"/api/messages/demo1/INBOX/1", nil); resp.StatusCode != 404 {
		t.Errorf("delete again: %d", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", hs.URL+"/message/demo1/INBOX/1", nil); resp.StatusCode != 404 {
		t.Errorf("deleted page: %d", resp.StatusCode)
	}
}

// TestWebPages: the pages render the decoded subject, the attachment and
// the HTML part only inside a sandboxed frame served under a policy that
// allows no script and no load.
func TestWebPages(t *testing.T) {
	srv, hs := startWeb(t, false)
	srv.Store().Deliver("demo1@sandbox.test", []byte(webMessage))

	resp, body := do(t, "GET", hs.URL+"/", nil)
	contains(t, "index", body, `<a href="/mailbox/demo1/INBOX">INBOX</a> <span class="muted">(1)</span>`, `name="listener" value="smtp"`)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("index CSP %q", csp)
	}
	_, body = do(t, "GET", hs.URL+"/mailbox/demo1/INBOX", nil)
	contains(t, "mailbox", body, `<a href="/message/demo1/INBOX/1">Grüße aus Köln</a>`, `<span class="att">Übersicht.csv</span>`, "2026-12-06 10:00:00 &#43;0100")
	_, body = do(t, "GET", hs.URL+"/message/demo1/INBOX/1", nil)
	contains(t, "message", body, `<iframe class="mail" sandbox src="/message/demo1/INBOX/1/html"`,
		`href="/message/demo1/INBOX/1/attachment/1" download="Übersicht.csv"`, "<pre>plain body</pre>")
	if strings.Contains(body, "<script>evil") || strings.Contains(body, `onclick="x()"`) {
		t.Errorf("the message page holds the mail's HTML itself:\n%s", body)
	}
	resp, body = do(t, "GET", hs.URL+"/message/demo1/INBOX/1/html", nil)
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "sandbox", "img-src data:"} {
		if !strings.Contains(csp, want) {
			t.Errorf("HTML part CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src") || !strings.Contains(body, "<script>evil()") {
		t.Errorf("HTML part: CSP %q body %q", csp, body)
	}
	_, body = do(t, "GET", hs.URL+"/mailbox/all/all", nil)
	contains(t, "all", body, "Grüße aus Köln", "<td>demo1 INBOX</td>")
	if resp, _ := do(t, "GET", hs.URL+"/mailbox/nobody/INBOX", nil); resp.StatusCode != 404 {
		t.Errorf("unknown user: %d", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", hs.URL+"/mailbox/demo1/Nope", nil); resp.StatusCode != 404 {
		t.Errorf("unknown mailbox: %d", resp.StatusCode)
	}

	// The delete form: same origin only.
	resp, _ = do(t, "POST", hs.URL+"/message/demo1/INBOX/1/delete", nil, "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != 403 || srv.Store().Count("demo1", "INBOX") != 1 {
		t.Errorf("cross-site delete: %d, %d messages", resp.StatusCode, srv.Store().Count("demo1", "INBOX"))
	}
	resp, _ = do(t, "POST", hs.URL+"/message/demo1/INBOX/1/delete", nil, "Sec-Fetch-Site", "same-origin")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/mailbox/demo1/INBOX" || srv.Store().Count("demo1", "INBOX") != 0 {
		t.Errorf("delete form: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestWebLoopbackHost: without --listen-public a Host that is not a
// loopback name is refused (DNS rebinding); with it, it is served.
func TestWebLoopbackHost(t *testing.T) {
	_, hs := startWeb(t, false)
	resp, body := do(t, "GET", hs.URL+"/api/messages", nil, "Host", "attacker.example:80")
	if resp.StatusCode != http.StatusMisdirectedRequest || !strings.Contains(body, `Host "attacker.example:80" is not a loopback address: this server answers only on this machine`) {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	for _, host := range []string{"localhost:1", "127.0.0.1", "[::1]:8025"} {
		if resp, _ := do(t, "GET", hs.URL+"/api/users", nil, "Host", host); resp.StatusCode != 200 {
			t.Errorf("Host %s: %d", host, resp.StatusCode)
		}
	}
	_, pub := startWeb(t, true)
	if resp, _ := do(t, "GET", pub.URL+"/api/users", nil, "Host", "mail.example"); resp.StatusCode != 200 {
		t.Errorf("public: %d", resp.StatusCode)
	}
}

// TestWebFaults: the fault switches, by form and by API, change what the
// next SMTP command meets; bad specs are refused with the reason.
func TestWebFaults(t *testing.T) {
	srv, hs := startWeb(t, false)
	resp, body := do(t, "PUT", hs.URL+"/api/faults/smtp", strings.NewReader(`{"faults": ["reject-rcpt"]}`))
	if resp.StatusCode != 200 || !strings.Contains(body, `"reject-rcpt"`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if err := trySendMail(srv, "demo1@sandbox.test", []string{"demo2@sandbox.test"}, testMessage("x")); err == nil || !strings.Contains(err.Error(), "550") {
		t.Errorf("send under reject-rcpt: %v", err)
	}
	resp, _ = do(t, "POST", hs.URL+"/faults", strings.NewReader("listener=smtp&clear=1"), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != 303 {
		t.Errorf("clear: %d", resp.StatusCode)
	}
	if err := trySendMail(srv, "demo1@sandbox.test", []string{"demo2@sandbox.test"}, testMessage("y")); err != nil {
		t.Errorf("send after clearing: %v", err)
	}
	resp, _ = do(t, "POST", hs.URL+"/faults", strings.NewReader("listener=pop3&faults=tempfail,+slow:10ms"), "Content-Type", "application/x-www-form-urlencoded")
	if got := srv.Faults()["pop3"]; resp.StatusCode != 303 || strings.Join(got, " ") != "tempfail slow:10ms" {
		t.Errorf("form: %d, pop3 faults %v", resp.StatusCode, got)
	}
	for _, tt := range []struct{ path, body, want string }{
		{"/api/faults/smtp", `{"faults": ["explode"]}`, `unknown fault \"explode\"`},
		{"/api/faults/pop3", `{"faults": ["reject-rcpt"]}`, "applies only to the smtp listener"},
		{"/api/faults/ftp", `{"faults": []}`, `unknown listener \"ftp\"`},
		{"/api/faults/smtp", `{"fault": []}`, `unknown field \"fault\"`},
	} {
		resp, body := do(t, "PUT", hs.URL+tt.path, strings.NewReader(tt.body))
		if resp.StatusCode != 400 || !strings.Contains(body, tt.want) {
			t.Errorf("%s %s: %d %s", tt.path, tt.body, resp.StatusCode, body)
		}
	}
	resp, _ = do(t, "PUT", hs.URL+"/api/faults/smtp", strings.NewReader(`{"faults": ["bye"]}`), "Origin", "http://attacker.example")
	if resp.StatusCode != 403 || len(srv.Faults()["smtp"]) != 0 {
		t.Errorf("cross-origin PUT: %d, faults %v", resp.StatusCode, srv.Faults()["smtp"])
	}
}

// TestWebEvents: the event log as JSON and as a live stream, passwords
// masked.
func TestWebEvents(t *testing.T) {
	srv, hs := startWeb(t, false)
	_, body := do(t, "GET", hs.URL+"/api/events", nil)
	var evs []Event
	json.Unmarshal([]byte(body), &evs)
	if len(evs) < 3 || !strings.Contains(evs[0].Text, "listening on") {
		t.Fatalf("events: %s", body)
	}
	last := evs[len(evs)-1].ID

	req, _ := http.NewRequest("GET", hs.URL+"/api/events/stream?after="+strconv.FormatInt(last, 10), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Errorf("stream type %q", resp.Header.Get("Content-Type"))
	}
	srv.logf("login of demo1 with %s", "demo1-pass") // as a careless log line would
	lines := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	want := regexp.MustCompile(`^data: \{"id":\d+,"time":"[^"]+","text":"login of demo1 with \*\*\*"\}$`)
	deadline := time.After(5 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("stream ended")
			}
			if strings.HasPrefix(l, "data: ") {
				if !want.MatchString(l) {
					t.Errorf("event %q", l)
				}
				return
			}
		case <-deadline:
			t.Fatal("no event within 5s")
		}
	}
}
