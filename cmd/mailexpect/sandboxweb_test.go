package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/internal/tooltest"

	"github.com/mailexpect/mailexpect/internal/testutil"
)

// headless runs Debian's Chromium on url and returns the DOM after the
// page settled: scripts (if any could run) get a virtual-time budget to
// change it and to fetch. As root (CI) Chromium needs --no-sandbox.
func headless(t *testing.T, chromium, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-dev-shm-usage", "--disable-extensions", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--disable-default-apps", "--mute-audio", "--user-data-dir="+t.TempDir(),
		"--virtual-time-budget=2000", "--dump-dom", url)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v\n%s", url, err, stderr.String())
	}
	return string(out)
}

// canary records every request that reaches it: a hostile mail's script,
// image, style sheet, frame or refresh would.
type canary struct {
	mu   sync.Mutex
	hits []string
}

func (c *canary) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.hits = append(c.hits, r.Method+" "+r.URL.Path)
	c.mu.Unlock()
}

func (c *canary) got() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.hits...)
}

// TestSandboxWebBrowser: a real browser on the sandbox's web view. A
// message sent by a script appears in the list with its decoded subject,
// opens, and shows its attachment, which downloads; a hostile HTML mail
// (script tags, event handlers, remote images, style sheets, frames, a
// refresh) runs nothing and loads nothing: its DOM is unchanged and a
// listener its every trick points at gets no request.
func TestSandboxWebBrowser(t *testing.T) {
	chromium := tooltest.Require(t, "chromium", "chromium", "chromium-browser")
	sb := startTestSandbox(t)
	web := httptest.NewServer(sb.WebHandler(false))
	t.Cleanup(web.Close)
	var c canary
	trap := httptest.NewServer(&c)
	t.Cleanup(trap.Close)

	var stdout, stderr bytes.Buffer
	if code := run([]string{"testdata/web_send.lua", trap.URL}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("web_send.lua: exit %d: %s%s", code, stdout.String(), stderr.String())
	}

	// The list, as the browser built it.
	dom := headless(t, chromium, web.URL+"/mailbox/demo1/INBOX")
	link := regexp.MustCompile(`<a href="(/message/demo1/INBOX/\d+)">Grüße: the quarterly report ✓</a>`).FindStringSubmatch(dom)
	if link == nil {
		t.Fatalf("the list lacks the decoded subject:\n%s", dom)
	}
	if !strings.Contains(dom, `<span class="att">report-Q3.csv</span>`) {
		t.Errorf("the list lacks the attachment:\n%s", dom)
	}
	hostile := regexp.MustCompile(`<a href="(/message/demo1/INBOX/\d+)">hostile html</a>`).FindStringSubmatch(dom)

	// The message opens and offers its attachment, which downloads.
	dom = headless(t, chromium, web.URL+link[1])
	att := regexp.MustCompile(`<a class="att" href="([^"]+)" download="report-Q3.csv">report-Q3.csv</a>`).FindStringSubmatch(dom)
	if att == nil || !strings.Contains(dom, "<h1>Grüße: the quarterly report ✓</h1>") || !strings.Contains(dom, "the report is attached.") {
		t.Fatalf("the message page lacks its subject, text or attachment:\n%s", dom)
	}
	resp, err := http.Get(web.URL + att[1])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "quarter,revenue\nQ3,42\n" {
		t.Errorf("attachment %q", body)
	}

	// The hostile mail: its page (the HTML in the sandboxed frame) and the
	// frame's document opened on its own.
	if hostile == nil {
		t.Fatal("the hostile message is not listed")
	}
	dom = headless(t, chromium, web.URL+hostile[1])
	if !strings.Contains(dom, `<iframe class="mail" sandbox="" src="`+hostile[1]+`/html"`) || strings.Contains(dom, "<title>PWNED") {
		t.Errorf("message page:\n%s", dom)
	}
	// Had a script run, the title would be PWNED and the body replaced.
	dom = headless(t, chromium, web.URL+hostile[1]+"/html")
	if strings.Contains(dom, "<title>PWNED") || !strings.Contains(dom, `<body onload="document.body.innerHTML='PWNED';`) ||
		!strings.Contains(dom, `<h1 id="h">Hostile</h1>`) {
		t.Errorf("the hostile HTML changed its own DOM (a script ran):\n%s", dom)
	}
	if hits := c.got(); len(hits) > 0 {
		t.Errorf("the hostile HTML made the browser load %v", hits)
	}
}

// TestSandboxWebFlag: `mailexpect sandbox --web ADDR` serves the view
// next to the mail listeners, says where, and stops with the sandbox.
func TestSandboxWebFlag(t *testing.T) {
	addr := fakeserver.ClosedAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &testutil.SyncBuffer{}, &testutil.SyncBuffer{}
	done := make(chan int, 1)
	go func() { done <- serveSandbox(ctx, []string{"--web", addr}, true, stdout, stderr) }()
	var body []byte
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/api/users")
		if err == nil {
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			break
		}
	}
	if !strings.Contains(string(body), `"address": "demo1@sandbox.test"`) {
		t.Errorf("/api/users: %s", body)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "web view: http://"+addr+"/ (JSON API under /api/)") {
		t.Errorf("banner lacks the web view:\n%s", stdout.String())
	}
}
