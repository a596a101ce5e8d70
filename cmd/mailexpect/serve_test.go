package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/internal/sandbox"
	"github.com/mailexpect/mailexpect/internal/sandbox/sandboxtest"
	"github.com/mailexpect/mailexpect/internal/tooltest"

	"github.com/mailexpect/mailexpect/internal/testutil"
)

// TestServeUsage: serve's command line, and what it refuses.
func TestServeUsage(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "probes.yml")
	os.WriteFile(cfg, []byte("modules:\n  banner:\n    script: x.lua\n    tmeout: 5s\n"), 0o600)
	broken := filepath.Join(t.TempDir(), "broken.lua")
	os.WriteFile(broken, []byte("if then\n"), 0o600)
	tests := []struct {
		name       string
		args       []string
		wantStderr string // a regexp
	}{
		{"no module", []string{"serve"}, `^error: mailexpect serve needs at least one --module NAME=SCRIPT or a --config FILE\n`},
		{"bad module", []string{"serve", "--module", "banner"}, `^error: --module wants NAME=SCRIPT .*got "banner"\n`},
		{"module without value", []string{"serve", "--module"}, `^error: --module needs NAME=SCRIPT\n`},
		{"twice", []string{"serve", "--module", "a=x.lua", "--module", "a=y.lua"}, `^error: module "a" is defined twice\n`},
		{"not loopback", []string{"serve", "--listen", "0.0.0.0:9917", "--module", "a=x.lua"},
			`^error: --listen 0.0.0.0:9917 is not a loopback address\nhint: add --listen-public`},
		{"all interfaces", []string{"serve", "--listen", ":9917", "--module", "a=x.lua"}, `is not a loopback address`},
		{"missing script", []string{"serve", "--module", "a=/nonexistent/x.lua"},
			`^error: module a: cannot read script: /nonexistent/x.lua: no such file or directory\n`},
		{"syntax error", []string{"serve", "--module", "a=" + broken}, `^/.*/broken.lua:1: syntax error near 'then'\n$`},
		{"unknown flag", []string{"serve", "--bogus", "--module", "a=x.lua"}, `^error: unknown flag --bogus\nhint: run 'mailexpect serve --help'`},
		{"argument", []string{"serve", "extra", "--module", "a=x.lua"}, `^error: mailexpect serve takes no arguments, got "extra"\n`},
		{"config typo", []string{"serve", "--config", cfg}, `^error: --config .*/probes.yml: line 4: unknown key tmeout\nhint: want modules:`},
		{"config missing", []string{"serve", "--config", "/nonexistent.yml"}, `^error: --config: /nonexistent.yml: no such file`},
		{"bad concurrency", []string{"serve", "--max-concurrent", "0", "--module", "a=x.lua"}, `--max-concurrent wants a number from 1 to 10000, got "0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, strings.NewReader(""), &stdout, &stderr)
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr %q", code, stderr.String())
			}
			if !regexp.MustCompile(tt.wantStderr).MatchString(stderr.String()) {
				t.Errorf("stderr %q does not match %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

// TestServeModuleArgs: a --module's arguments run to the next --module or
// a lone "--"; --config adds modules with paths relative to the file.
func TestServeModuleArgs(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "probes.yml")
	os.WriteFile(cfg, []byte("modules:\n  stat:\n    script: pop3-stat.lua\n    args: [--max, '5']\n    timeout: 2.5\n"), 0o600)
	po, err := parseProbeArgs([]string{"--module", "banner=b.lua", "-w", "1", "--timeout", "3",
		"--module=tls=t.lua", "--", "-q", "--config", cfg})
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, m := range po.modules {
		got += fmt.Sprintf("%s=%s %q %s; ", m.Name, m.Script, m.Args, m.Timeout)
	}
	want := fmt.Sprintf(`banner=b.lua ["-w" "1" "--timeout" "3"] 0s; tls=t.lua [] 0s; stat=%s ["--max" "5"] 2.5s; `,
		filepath.Join(dir, "pop3-stat.lua"))
	if got != want {
		t.Errorf("modules\n got %s\nwant %s", got, want)
	}
	if !po.quiet || po.listen != defaultProbeListen {
		t.Errorf("quiet %v listen %q", po.quiet, po.listen)
	}
}

// startProber runs the prober in-process on a loopback test server with
// the given serve arguments.
func startProber(t *testing.T, args ...string) (*httptest.Server, *testutil.SyncBuffer) {
	t.Helper()
	po, err := parseProbeArgs(args)
	if err != nil {
		t.Fatal(err)
	}
	p, err := newProber(po)
	if err != nil {
		t.Fatal(err)
	}
	log := &testutil.SyncBuffer{}
	srv := httptest.NewServer(newProbeServer(po, p, log).Handler())
	t.Cleanup(srv.Close)
	return srv, log
}

func startTestSandbox(t *testing.T) *sandbox.Server {
	t.Helper()
	sb := sandboxtest.Start(t, sandbox.Config{})
	sandboxtest.Setenv(t, sb)
	return sb
}

func get(t *testing.T, u string, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeProbes runs the example scripts through /probe against the
// sandbox: success and failure, the check's metrics and steps, the TLS
// metrics under blackbox_exporter's names, debug=true's masked transcript.
func TestServeProbes(t *testing.T) {
	sb := startTestSandbox(t)
	srv, log := startProber(t,
		"--module", "banner=../../scripts/check-banner.lua", "-w", "5",
		"--module", "tls=../../scripts/check-tls.lua",
		"--module", "stat=../../scripts/pop3-stat.lua",
		"--module", "plain=testdata/serve_plain.lua")
	probe := func(module, target string, extra ...string) (int, string) {
		t.Helper()
		return get(t, srv.URL+"/probe?module="+module+"&target="+url.QueryEscape(target), extra...)
	}

	code, body := probe("banner", "smtp://"+sb.SMTPAddr())
	wantLines(t, code, body, 200, `(?m)^probe_success 1$`, `(?m)^probe_exit_code 0$`,
		`(?m)^probe_check_metric\{name="time",uom="s"\} 0\.\d+$`, `(?m)^probe_duration_seconds 0\.\d+`)

	code, body = probe("banner", "127.0.0.1:1")
	wantLines(t, code, body, 200, `(?m)^probe_success 0$`, `(?m)^probe_exit_code 2$`)

	code, body = probe("tls", "smtp://"+sb.SMTPAddr())
	wantLines(t, code, body, 200, `(?m)^probe_success 1$`, `(?m)^probe_tls_version_info\{version="TLS 1\.3"\} 1$`,
		`(?m)^probe_ssl_earliest_cert_expiry \d\.\d+e\+09$`)
	m := regexp.MustCompile(`(?m)^probe_ssl_earliest_cert_expiry (\S+)$`).FindStringSubmatch(body)
	var expiry float64
	fmt.Sscan(m[1], &expiry)
	if left := time.Until(time.Unix(int64(expiry), 0)); left < 24*time.Hour || left > 400*24*time.Hour {
		t.Errorf("certificate expiry %v from now, want the sandbox certificate's (about 90 days)", left)
	}

	// A plain script: exit code 0 is success, steps come from check.step
	// in a check; here only the exit code counts.
	code, body = probe("plain", "fail")
	wantLines(t, code, body, 200, `(?m)^probe_success 0$`, `(?m)^probe_exit_code 3$`)

	// debug=true: the transcript, masked; pop3-stat logs in with the demo
	// user's password from MAILEXPECT_PASS.
	code, body = probe("stat", sb.POP3Addr(), "X-Other", "x")
	wantLines(t, code, body, 200, `(?m)^probe_success 1$`)
	code, body = get(t, srv.URL+"/probe?debug=true&module=stat&target="+url.QueryEscape(sb.POP3Addr()))
	wantLines(t, code, body, 200, `(?m)^Probe of 127\.0\.0\.1:\d+ with module stat: success`, `(?m)~>> \*\*\*$`,
		`(?m)^Metrics that would have been returned:$`, `(?m)^probe_success 1$`)
	pass := sb.Users()[0].Pass
	if strings.Contains(body, pass) {
		t.Errorf("debug output holds the password %q", pass)
	}

	// Bad requests: 400 with a reason.
	for _, tt := range []struct{ query, want string }{
		{"module=nope&target=x", `unknown module "nope"; modules: banner, plain, stat, tls`},
		{"target=x", `module parameter is missing`},
		{"module=banner", `target parameter is missing`},
		{"module=banner&target=--secret-file%3D/etc/shadow", `starts with '-': a script would read it as a flag`},
		{"module=banner&target=x&password=hunter2", `unknown parameter "password"`},
		{"module=banner&target=x&debug=maybe", `debug must be true or false`},
	} {
		code, body := get(t, srv.URL+"/probe?"+tt.query)
		if code != 400 || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %q, want 400 %q", tt.query, code, body, tt.want)
		}
	}
	if strings.Contains(log.String(), "hunter2") || strings.Contains(log.String(), pass) {
		t.Errorf("the log holds a secret:\n%s", log)
	}
	if !regexp.MustCompile(`module=banner target="127.0.0.1:1" result=failure exit=2 duration=\d+\.\d+s message="SMTP CRITICAL - connect to 127.0.0.1:1 failed`).MatchString(log.String()) {
		t.Errorf("log lacks the failed probe:\n%s", log)
	}

	// The scrape timeout bounds the run: a target that never answers.
	// A server that accepts and never says a word.
	silent := fakeserver.Serve(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	start := time.Now()
	code, body = probe("banner", silent, "X-Prometheus-Scrape-Timeout-Seconds", "1.5")
	if d := time.Since(start); d > 1500*time.Millisecond || d < 900*time.Millisecond {
		t.Errorf("probe of a silent server took %v, want about 1s (1.5s scrape timeout less 0.5s)", d)
	}
	wantLines(t, code, body, 200, `(?m)^probe_success 0$`)

	// /metrics: the prober's own counters and the Go runtime.
	code, body = get(t, srv.URL+"/metrics")
	wantLines(t, code, body, 200, `(?m)^mailexpect_probes_total\{module="banner",result="failure"\} 2$`,
		`(?m)^mailexpect_probes_total\{module="banner",result="success"\} 1$`,
		`(?m)^mailexpect_probe_duration_seconds_count\{module="tls"\} 1$`, `(?m)^go_goroutines \d+$`)
}

func wantLines(t *testing.T, code int, body string, wantCode int, patterns ...string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("HTTP %d, want %d: %s", code, wantCode, body)
	}
	for _, p := range patterns {
		if !regexp.MustCompile(p).MatchString(body) {
			t.Errorf("no match for %s in:\n%s", p, body)
		}
	}
}

// TestServePrometheus: a real Prometheus scrapes `mailexpect serve` with
// blackbox_exporter's relabelling (the target becomes ?target=, the
// prober becomes the address) and its HTTP API reports probe_success 1
// for the sandbox and 0 for a closed port.
func TestServePrometheus(t *testing.T) {
	promBin := tooltest.Require(t, "prometheus", "prometheus")
	sb := startTestSandbox(t)
	srv, _ := startProber(t, "--module", "banner=../../scripts/check-banner.lua")
	proberAddr := strings.TrimPrefix(srv.URL, "http://")

	dir := t.TempDir()
	good, bad := "smtp://"+sb.SMTPAddr(), "127.0.0.1:1"
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: mail
    metrics_path: /probe
    params:
      module: [banner]
    static_configs:
      - targets: [%q, %q]
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: %s
`, good, bad, proberAddr)
	cfgFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgFile, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	promAddr := fakeserver.ClosedAddr(t)
	var out bytes.Buffer
	cmd := exec.Command(promBin, "--config.file="+cfgFile, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+promAddr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus output:\n%s", out.String())
		}
	})

	// Poll the query API until both targets have a sample.
	deadline := time.Now().Add(30 * time.Second)
	var got map[string]string
	for time.Now().Before(deadline) {
		time.Sleep(300 * time.Millisecond)
		resp, err := http.Get("http://" + promAddr + "/api/v1/query?query=" + url.QueryEscape(`probe_success{job="mail"}`))
		if err != nil {
			continue // not up yet
		}
		var r struct {
			Status string
			Data   struct {
				Result []struct {
					Metric map[string]string
					Value  []any
				}
			}
		}
		err = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if err != nil || r.Status != "success" {
			continue
		}
		got = map[string]string{}
		for _, s := range r.Data.Result {
			if len(s.Value) == 2 {
				got[s.Metric["instance"]], _ = s.Value[1].(string)
			}
		}
		// A first scrape slowed down by a loaded machine may say 0 for
		// the good target; the next ones settle it.
		if got[good] == "1" && got[bad] == "0" {
			break
		}
	}
	if got[good] != "1" || got[bad] != "0" {
		t.Fatalf("probe_success by instance = %v, want %s: 1, %s: 0", got, good, bad)
	}
}

// TestPromTextfile: --prom FILE writes the run's result for node_exporter's
// textfile collector, replacing the file whole, whether the run passed or
// failed; a missing directory is refused before the run.
func TestPromTextfile(t *testing.T) {
	sb := startTestSandbox(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "mail.prom")
	var stdout, stderr bytes.Buffer
	code := run([]string{"--prom", file, "../../scripts/check-tls.lua", "smtp://" + sb.SMTPAddr()},
		strings.NewReader(""), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, stdout.String(), stderr.String())
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, 200, string(data), 200, `(?m)^probe_success\{script="check-tls.lua"\} 1$`,
		`(?m)^probe_check_metric\{name="smtp_days",script="check-tls.lua",uom=""\} \d+$`,
		`(?m)^probe_tls_version_info\{script="check-tls.lua",version="TLS 1\.3"\} 1$`,
		`(?m)^probe_ssl_earliest_cert_expiry\{script="check-tls.lua"\} \d\.\d+e\+09$`,
		`(?m)^mailexpect_last_run_timestamp_seconds\{script="check-tls.lua"\} \d\.\d+e\+09$`)
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644 (node_exporter reads it)", fi.Mode().Perm())
	}

	// A failed run replaces it with probe_success 0.
	code = run([]string{"--prom", file, "../../scripts/check-banner.lua", "127.0.0.1:1"},
		strings.NewReader(""), &stdout, &stderr)
	data, _ = os.ReadFile(file)
	wantLines(t, code, string(data), 2, `(?m)^probe_success\{script="check-banner.lua"\} 0$`, `(?m)^probe_exit_code\{script="check-banner.lua"\} 2$`)
	if strings.Contains(string(data), "probe_tls") {
		t.Errorf("the failed run's file still holds the earlier run's TLS metrics:\n%s", data)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temporary files left behind: %v", ents)
	}

	stderr.Reset()
	code = run([]string{"--prom", "/nonexistent/dir/mail.prom", "-e", ""}, strings.NewReader(""), &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "error: --prom /nonexistent/dir/mail.prom: the directory /nonexistent/dir does not exist") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}
