package sandbox

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The pages share one layout and one stylesheet, inline: the view works
// offline and loads nothing from anywhere.
const webLayout = `{{define "top"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Title}} - mailexpect sandbox</title>
<style>
:root{--fg:#1d2330;--muted:#667085;--line:#e4e7ec;--bg:#f8f9fb;--accent:#2f5bd3;--bad:#b42318;--ok:#067647}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header{background:#1d2330;color:#fff;padding:.6em 1.2em;display:flex;gap:1.5em;align-items:baseline}
header a{color:#fff;text-decoration:none}header b{font-size:1.1em}header span{color:#c3c8d4}
main{padding:1em 1.2em;max-width:1200px}
h1{font-size:1.3em;margin:.2em 0 .6em}h2{font-size:1.05em;margin:1.4em 0 .5em}
a{color:var(--accent)}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid var(--line)}
th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f2f4f7;font-weight:600;font-size:.92em}
td.num{text-align:right;white-space:nowrap}
.muted{color:var(--muted)}.flag{display:inline-block;border:1px solid var(--line);border-radius:3px;padding:0 .3em;font-size:.85em;margin-right:.2em}
.att{display:inline-block;background:#eef2ff;border-radius:3px;padding:0 .35em;margin:.1em .2em .1em 0;font-size:.9em}
pre,code,.mono{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
pre{background:#fff;border:1px solid var(--line);padding:.8em;white-space:pre-wrap;word-break:break-word;margin:0}
#events{background:#111827;color:#d1d5db;height:16em;overflow:auto;padding:.5em .8em;border-radius:4px}
#events div{white-space:pre-wrap}
iframe.mail{width:100%;height:28em;border:1px solid var(--line);background:#fff}
form.inline{display:inline}
button{font:inherit;padding:.2em .7em;border:1px solid #c7ccd6;background:#fff;border-radius:4px;cursor:pointer}
button.danger{color:var(--bad);border-color:#f0b4ae}
input[type=text]{font:inherit;padding:.2em .4em;border:1px solid #c7ccd6;border-radius:4px;width:18em}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:1.2em}
@media (max-width:900px){.grid{grid-template-columns:1fr}}
.note{color:var(--muted);font-size:.9em}
.actions{display:flex;gap:1em;align-items:center;margin:.8em 0}
table.fields th{width:9em}
</style></head><body>
<header><a href="/"><b>mailexpect sandbox</b></a><span>SMTP {{.SMTP}} · POP3 {{.POP3}} · IMAP {{.IMAP}}</span><a href="/api/messages">JSON API</a></header>
<main>{{end}}
{{define "bottom"}}</main></body></html>{{end}}`

// Parsed on first use: a template parsed at package init is paid by every
// mailexpect process, an empty -e run included.
var webTemplates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("web").Funcs(template.FuncMap{
		"size": humanSize,
		"date": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.Format("2006-01-02 15:04:05 -0700")
		},
		"clock": func(t time.Time) string { return t.Format("15:04:05.000") },
		"esc":   url.PathEscape,
		"join":  strings.Join,
	}).Parse(webLayout + `
{{define "index"}}{{template "top" .}}
<div class="grid"><section>
<h1>Users and mailboxes</h1>
<table><tr><th>user</th><th>address</th><th>mailboxes</th></tr>
{{range .Users}}<tr><td>{{.User}}</td><td class="mono">{{.Address}}</td><td>{{range .Mailboxes}}<a href="{{.URL}}">{{.Name}}</a> <span class="muted">({{.Messages}})</span> &nbsp;{{end}}</td></tr>
{{end}}</table>
<p class="note">Passwords: demoN-pass on loopback (random with --listen-public; see the sandbox's banner). Messages newest first: <a href="/mailbox/all/all">all mailboxes</a>.</p>
<h2 id="faults">Faults</h2>
<table><tr><th>listener</th><th>in force</th><th>set (comma-separated: drip:30ms, slow:200ms, drop-after:3, reject-rcpt, tempfail, bye)</th></tr>
{{range .Faults}}<tr><td>{{.Name}}</td><td class="mono">{{if .Specs}}{{join .Specs ", "}}{{else}}<span class="muted">none</span>{{end}}</td>
<td><form class="inline" method="post" action="/faults"><input type="hidden" name="listener" value="{{.Name}}"><input type="text" name="faults" value="{{join .Specs ", "}}" aria-label="{{.Name}} faults"> <button>set</button> <button name="clear" value="1">clear</button></form></td></tr>
{{end}}</table>
<p class="note">A change applies to new connections (drip, slow, drop-after, bye) and to the next command (tempfail, reject-rcpt).</p>
</section><section>
<h1>Event log</h1>
<div id="events" class="mono" data-after="{{.LastEvent}}">{{range .Events}}<div>{{clock .Time}} {{.Text}}</div>{{end}}</div>
<p class="note">Live while scripts run (passwords masked). <a href="/">Reload</a> without JavaScript; <a href="/api/events">as JSON</a>.</p>
</section></div>
<script src="/static/live.js"></script>
{{template "bottom"}}{{end}}

{{define "mailbox"}}{{template "top" .}}
<h1>{{.Heading}}</h1>
{{if .Messages}}<table><tr><th>from</th><th>subject</th><th>date</th><th class="num">size</th><th>flags</th><th>attachments</th>{{if .ShowBox}}<th>mailbox</th>{{end}}</tr>
{{range .Messages}}<tr><td>{{.From}}</td><td><a href="{{.URL}}">{{if .Subject}}{{.Subject}}{{else}}(no subject){{end}}</a>{{if .ParseError}} <span class="muted">(unreadable MIME)</span>{{end}}</td>
<td class="mono">{{date .Date}}</td><td class="num">{{size .Size}}</td><td>{{range .Flags}}<span class="flag">{{.}}</span>{{end}}</td>
<td>{{range .Attachments}}<span class="att">{{.Name}}</span>{{end}}</td>{{if $.ShowBox}}<td>{{.User}} {{.Mailbox}}</td>{{end}}</tr>
{{end}}</table>{{else}}<p class="muted">No messages.</p>{{end}}
{{template "bottom"}}{{end}}

{{define "message"}}{{template "top" .}}{{with .Message}}
<p><a href="/mailbox/{{esc .User}}/{{esc .Mailbox}}">&larr; {{.User}} {{.Mailbox}}</a></p>
<h1>{{if .Subject}}{{.Subject}}{{else}}(no subject){{end}}</h1>
<table class="fields">
<tr><th>from</th><td>{{.From}}</td></tr><tr><th>to</th><td>{{.To}}</td></tr>
<tr><th>date</th><td class="mono">{{date .Date}}</td></tr><tr><th>size</th><td>{{size .Size}}, UID {{.UID}}{{range .Flags}} <span class="flag">{{.}}</span>{{end}}</td></tr>
{{if .Attachments}}<tr><th>attachments</th><td>{{range .Attachments}}<a class="att" href="{{.URL}}" download="{{.Name}}">{{.Name}}</a> <span class="muted">{{.Type}}, {{size .Size}}</span> &nbsp;{{end}}</td></tr>{{end}}
</table>
<div class="actions"><a href="{{.RawURL}}">raw source</a> <a href="/api/messages/{{.ID}}">JSON</a>
<form class="inline" method="post" action="{{.URL}}/delete"><button class="danger">delete</button></form></div>
{{if .ParseError}}<p class="muted">Not readable as MIME: {{.ParseError}}</p>{{end}}
{{if .HTML}}<h2>HTML part</h2>
<p class="note">Shown in a sandboxed frame: no script runs, nothing is loaded from elsewhere (remote images stay blank).</p>
<iframe class="mail" sandbox src="{{.URL}}/html" title="HTML part"></iframe>{{end}}
{{if .Text}}<h2>Text part</h2><pre>{{.Text}}</pre>{{end}}
<h2>Headers</h2>
<table class="fields">{{range .Headers}}<tr><th>{{.Name}}</th><td class="mono">{{.Value}}</td></tr>{{end}}</table>
{{end}}{{template "bottom"}}{{end}}
`))
})

// liveJS keeps the event log live: it follows /api/events/stream and
// appends each event as text (never as HTML).
const liveJS = `"use strict";
(function () {
  var log = document.getElementById("events");
  if (!log || !window.EventSource) return;
  log.scrollTop = log.scrollHeight;
  var es = new EventSource("/api/events/stream?after=" + encodeURIComponent(log.dataset.after || "0"));
  es.onmessage = function (m) {
    var e = JSON.parse(m.data);
    var line = document.createElement("div");
    line.textContent = e.time.slice(11, 23) + " " + e.text;
    var atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
    log.appendChild(line);
    while (log.childNodes.length > 500) log.removeChild(log.firstChild);
    if (atEnd) log.scrollTop = log.scrollHeight;
  };
})();
`

func serveLiveJS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write([]byte(liveJS))
}

func humanSize(n int) string {
	switch {
	case n < 1024:
		return strconv.Itoa(n) + " B"
	case n < 1024*1024:
		return strconv.FormatFloat(float64(n)/1024, 'f', 1, 64) + " KiB"
	}
	return strconv.FormatFloat(float64(n)/(1024*1024), 'f', 1, 64) + " MiB"
}

// page is what every page's layout needs.
type page struct {
	Title            string
	SMTP, POP3, IMAP string
}

func (s *Server) page(title string) page {
	return page{Title: title, SMTP: s.SMTPAddr(), POP3: s.POP3Addr(), IMAP: s.IMAPAddr()}
}

func (s *Server) render(w http.ResponseWriter, name string, data any) {
	uiHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := webTemplates().ExecuteTemplate(w, name, data); err != nil {
		s.logf("web: rendering %s: %v", name, err)
	}
}

type faultRow struct {
	Name  string
	Specs []string
}

// shownEvents is how many events the index page shows before the live
// log takes over.
const shownEvents = 200

func (s *Server) webIndex(w http.ResponseWriter, r *http.Request) {
	evs, _ := s.Events(0)
	if len(evs) > shownEvents {
		evs = evs[len(evs)-shownEvents:]
	}
	var last int64
	if len(evs) > 0 {
		last = evs[len(evs)-1].ID
	}
	faults := s.Faults()
	var rows []faultRow
	for _, n := range listenerNames {
		rows = append(rows, faultRow{n, faults[n]})
	}
	s.render(w, "index", struct {
		page
		Users     []WebUser
		Faults    []faultRow
		Events    []Event
		LastEvent int64
	}{s.page("Sandbox"), s.webUsers(), rows, evs, last})
}

// webMailbox lists one mailbox; /mailbox/all/all lists every message.
func (s *Server) webMailbox(w http.ResponseWriter, r *http.Request) {
	user, mailbox := r.PathValue("user"), r.PathValue("mailbox")
	heading := user + " " + mailbox
	all := user == "all" && mailbox == "all"
	if all {
		user, mailbox, heading = "", "", "All messages"
	}
	msgs, err := s.allMessages(user, mailbox)
	if err == nil && !all {
		if _, merr := s.store.Messages(user, mailbox); merr != nil {
			err = merr
		}
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	s.render(w, "mailbox", struct {
		page
		Heading  string
		Messages []*WebMessage
		ShowBox  bool
	}{s.page(heading), heading, msgs, all})
}

func (s *Server) webMessage(w http.ResponseWriter, r *http.Request) {
	m, ok := s.lookup(w, r, true)
	if !ok {
		return
	}
	title := m.Subject
	if title == "" {
		title = "(no subject)"
	}
	s.render(w, "message", struct {
		page
		Message *WebMessage
	}{s.page(title), m})
}
