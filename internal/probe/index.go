package probe

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"sync"
)

// The index page: the modules and the recent probes, each with a link to
// its masked transcript, as blackbox_exporter's front page shows them.
// Server-rendered, no script, no external assets.
// Parsed on first use: a template parsed at package init is paid by every
// mailexpect process, an empty -e run included.
var indexPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("index").Funcs(template.FuncMap{
		"query": url.QueryEscape,
		"secs":  func(r *Result) string { return strconv.FormatFloat(r.Duration.Seconds(), 'f', 3, 64) },
	}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>mailexpect prober</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}
table{border-collapse:collapse}td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
code,pre{font:12px/1.35 ui-monospace,monospace}pre{background:#f6f6f6;padding:.8em;overflow:auto;white-space:pre-wrap}
.ok{color:#176f2c;font-weight:600}.fail{color:#b00020;font-weight:600}
td.t{white-space:nowrap}
</style></head><body>
<h1>mailexpect prober</h1>
<p>Prometheus scrapes <code>/probe?module=NAME&amp;target=TARGET</code>; the prober's own metrics are at <a href="/metrics">/metrics</a>.</p>
<h2>Modules</h2>
<table><tr><th>module</th><th>script</th><th>arguments after the target</th><th>timeout</th></tr>
{{range .Modules}}<tr><td>{{.Name}}</td><td><code>{{.Script}}</code></td><td><code>{{range .Args}}{{.}} {{end}}</code></td><td>{{if .Timeout}}{{.Timeout}}{{else}}scrape timeout{{end}}</td></tr>
{{end}}</table>
<h2>Recent probes</h2>
{{if .Recent}}<table><tr><th>time (UTC)</th><th>module</th><th>target</th><th>result</th><th>duration</th><th>message</th><th></th></tr>
{{range .Recent}}<tr><td class="t">{{.Start.UTC.Format "2006-01-02 15:04:05"}}</td><td>{{.Module}}</td><td><code>{{.Target}}</code></td>
<td>{{if .Result.Success}}<span class="ok">success</span>{{else}}<span class="fail">failure</span>{{end}}</td>
<td>{{secs .Result}}s</td><td>{{.Result.Message}}</td><td><a href="/probe/log?id={{.ID}}">transcript</a></td></tr>
{{end}}</table>{{else}}<p>No probe yet.</p>{{end}}
</body></html>
`))
})

var logPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("log").Funcs(template.FuncMap{
		"secs": func(r *Result) string { return strconv.FormatFloat(r.Duration.Seconds(), 'f', 3, 64) },
	}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>probe {{.ID}}: {{.Module}} {{.Target}}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
pre{font:12px/1.35 ui-monospace,monospace;background:#f6f6f6;padding:.8em;overflow:auto;white-space:pre-wrap}
.ok{color:#176f2c;font-weight:600}.fail{color:#b00020;font-weight:600}
td.t{white-space:nowrap}
</style></head><body>
<p><a href="/">&larr; prober</a></p>
<h1>Probe {{.ID}}: module {{.Module}}, target <code>{{.Target}}</code></h1>
<p>{{.Start.UTC.Format "2006-01-02 15:04:05"}} UTC,
{{if .Result.Success}}<span class="ok">success</span>{{else}}<span class="fail">failure</span>{{end}}
in {{secs .Result}}s, exit code {{.Result.ExitCode}}</p>
{{if .Result.Message}}<pre>{{.Result.Message}}</pre>{{end}}
<h2>Transcript (secrets masked)</h2>
<pre>{{.Result.Transcript}}</pre>
{{if .Result.Output}}<h2>Output</h2><pre>{{.Result.Output}}</pre>{{end}}
</body></html>
`))
})

// pageHeaders are set on every HTML page: nothing but the page's own
// inline style may load or run.
func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

func (s *Server) serveIndex(w http.ResponseWriter, req *http.Request) {
	pageHeaders(w)
	err := indexPage().Execute(w, struct {
		Modules []*Module
		Recent  []*Record
	}{s.Modules, s.Recent()})
	if err != nil {
		s.logf("index page: %v", err)
	}
}

func (s *Server) serveLog(w http.ResponseWriter, req *http.Request) {
	id, err := strconv.Atoi(req.URL.Query().Get("id"))
	if err != nil {
		badRequest(w, "id must be the number of a recent probe, got %q", req.URL.Query().Get("id"))
		return
	}
	rec := s.lookup(id)
	if rec == nil {
		http.Error(w, "no such probe among the recent ones (only the last "+strconv.Itoa(s.History)+" are kept)", http.StatusNotFound)
		return
	}
	pageHeaders(w)
	if err := logPage().Execute(w, rec); err != nil {
		s.logf("log page: %v", err)
	}
}
