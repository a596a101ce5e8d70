package sandbox

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mailexpect/mailexpect/internal/httpguard"
)

// WebHandler is the sandbox's web view and JSON API (docs/sandbox-web.md):
// the users and their mailboxes, the messages (headers, text, the HTML
// part in a sandboxed frame, attachments, raw source), the live event log
// and the fault switches. Server-rendered, with one small script of its
// own for the live log; nothing is loaded from elsewhere.
//
// public says whether the listener may be reached from other machines;
// when it is not, a request whose Host is not a loopback name is refused
// (DNS rebinding: a web page that resolves its own name to 127.0.0.1
// would otherwise read the mail). State-changing requests from another
// origin are refused either way (cross-site request forgery).
func (s *Server) WebHandler(public bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.webIndex)
	mux.HandleFunc("GET /mailbox/{user}/{mailbox}", s.webMailbox)
	mux.HandleFunc("GET /message/{user}/{mailbox}/{uid}", s.webMessage)
	mux.HandleFunc("GET /message/{user}/{mailbox}/{uid}/html", s.webMessageHTML)
	mux.HandleFunc("GET /message/{user}/{mailbox}/{uid}/raw", s.webMessageRaw)
	mux.HandleFunc("GET /message/{user}/{mailbox}/{uid}/attachment/{n}", s.webAttachment)
	mux.HandleFunc("POST /message/{user}/{mailbox}/{uid}/delete", s.webDelete)
	mux.HandleFunc("POST /faults", s.webFaults)
	mux.HandleFunc("GET /static/live.js", serveLiveJS)

	mux.HandleFunc("GET /api/users", s.apiUsers)
	mux.HandleFunc("GET /api/messages", s.apiMessages)
	mux.HandleFunc("GET /api/messages/{user}/{mailbox}/{uid}", s.apiMessage)
	mux.HandleFunc("DELETE /api/messages/{user}/{mailbox}/{uid}", s.apiDelete)
	mux.HandleFunc("GET /api/events", s.apiEvents)
	mux.HandleFunc("GET /api/events/stream", s.apiEventStream)
	mux.HandleFunc("GET /api/faults", s.apiFaults)
	mux.HandleFunc("PUT /api/faults/{listener}", s.apiSetFaults)

	var h http.Handler = http.NewCrossOriginProtection().Handler(mux)
	if !public {
		h = httpguard.LoopbackHost(h)
	}
	return h
}

// uiCSP is the policy of the view's own pages: their inline styles, the
// live-log script, and frames of this origin (the HTML part), nothing else.
const uiCSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; " +
	"frame-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// mailCSP is the policy of a message's HTML part: no script, no plugin, no
// request of any kind (remote images, fonts, CSS imports, forms, links
// that navigate the frame), only its inline styles and data: images. The
// sandbox directive makes the document an opaque origin even if the frame
// attribute were lost.
const mailCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; " +
	"base-uri 'none'; frame-ancestors 'self'; sandbox"

func uiHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", uiCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

// lookup finds the message a path names, or answers 404 (false).
func (s *Server) lookup(w http.ResponseWriter, r *http.Request, detail bool) (*WebMessage, bool) {
	user, mailbox := r.PathValue("user"), r.PathValue("mailbox")
	uid, err := strconv.ParseUint(r.PathValue("uid"), 10, 32)
	if err != nil {
		http.Error(w, fmt.Sprintf("message UID %q is not a number", r.PathValue("uid")), http.StatusNotFound)
		return nil, false
	}
	msgs, err := s.store.Messages(user, mailbox)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return nil, false
	}
	for _, sm := range msgs {
		if sm.UID == uint32(uid) {
			return newWebMessage(user, canonicalMailboxName(mailbox), sm, detail), true
		}
	}
	http.Error(w, fmt.Sprintf("no message with UID %d in %s's %s (deleted?)", uid, user, mailbox), http.StatusNotFound)
	return nil, false
}

// WebMailbox is one mailbox in the users list.
type WebMailbox struct {
	Name     string `json:"name"`
	Messages int    `json:"messages"`
	URL      string `json:"url"`
}

// WebUser is one demo user (never with the password).
type WebUser struct {
	User      string       `json:"user"`
	Address   string       `json:"address"`
	Mailboxes []WebMailbox `json:"mailboxes"`
}

func (s *Server) webUsers() []WebUser {
	var out []WebUser
	for _, u := range s.users {
		wu := WebUser{User: u.Name, Address: u.Address}
		names, _ := s.store.Mailboxes(u.Name)
		for _, n := range names {
			wu.Mailboxes = append(wu.Mailboxes, WebMailbox{Name: n, Messages: s.store.Count(u.Name, n),
				URL: "/mailbox/" + url.PathEscape(u.Name) + "/" + url.PathEscape(n)})
		}
		out = append(out, wu)
	}
	return out
}

// allMessages lists the messages of user/mailbox (either may be "": all),
// newest first.
func (s *Server) allMessages(user, mailbox string) ([]*WebMessage, error) {
	var out []*WebMessage
	found := false
	for _, u := range s.users {
		if user != "" && u.Name != user {
			continue
		}
		found = true
		names, _ := s.store.Mailboxes(u.Name)
		for _, n := range names {
			if mailbox != "" && n != canonicalMailboxName(mailbox) {
				continue
			}
			msgs, _ := s.store.Messages(u.Name, n)
			for _, sm := range msgs {
				out = append(out, newWebMessage(u.Name, n, sm, false))
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("no user %q", user)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Received.After(out[j].Received) })
	return out, nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

func jsonError(w http.ResponseWriter, code int, format string, args ...any) {
	writeJSON(w, code, map[string]string{"error": fmt.Sprintf(format, args...)})
}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.webUsers())
}

func (s *Server) apiMessages(w http.ResponseWriter, r *http.Request) {
	msgs, err := s.allMessages(r.URL.Query().Get("user"), r.URL.Query().Get("mailbox"))
	if err != nil {
		jsonError(w, http.StatusNotFound, "%v", err)
		return
	}
	if msgs == nil {
		msgs = []*WebMessage{}
	}
	writeJSON(w, http.StatusOK, msgs)
}

func (s *Server) apiMessage(w http.ResponseWriter, r *http.Request) {
	m, ok := s.lookup(w, r, true)
	if ok {
		writeJSON(w, http.StatusOK, m)
	}
}

func (s *Server) deleteMessage(r *http.Request) (bool, error) {
	uid, err := strconv.ParseUint(r.PathValue("uid"), 10, 32)
	if err != nil {
		return false, fmt.Errorf("message UID %q is not a number", r.PathValue("uid"))
	}
	ok, err := s.store.Delete(r.PathValue("user"), r.PathValue("mailbox"), uint32(uid))
	if ok {
		s.logf("web: deleted %s's %s UID %d", r.PathValue("user"), r.PathValue("mailbox"), uid)
	}
	return ok, err
}

func (s *Server) apiDelete(w http.ResponseWriter, r *http.Request) {
	ok, err := s.deleteMessage(r)
	switch {
	case err != nil:
		jsonError(w, http.StatusNotFound, "%v", err)
	case !ok:
		jsonError(w, http.StatusNotFound, "no such message (deleted already?)")
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// afterParam reads ?after=N (an event ID), 0 when absent.
func afterParam(r *http.Request) (int64, error) {
	v := r.URL.Query().Get("after")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("after must be an event id (a number >= 0), got %q", v)
	}
	return n, nil
}

func (s *Server) apiEvents(w http.ResponseWriter, r *http.Request) {
	after, err := afterParam(r)
	if err != nil {
		jsonError(w, http.StatusBadRequest, "%v", err)
		return
	}
	evs, _ := s.Events(after)
	if evs == nil {
		evs = []Event{}
	}
	writeJSON(w, http.StatusOK, evs)
}

// apiEventStream is the live log as Server-Sent Events: one "data:" JSON
// event per line, from ?after=N on, until the client goes away.
func (s *Server) apiEventStream(w http.ResponseWriter, r *http.Request) {
	after, err := afterParam(r)
	if err != nil {
		jsonError(w, http.StatusBadRequest, "%v", err)
		return
	}
	if id, err := strconv.ParseInt(r.Header.Get("Last-Event-ID"), 10, 64); err == nil && id > after {
		after = id // a reconnecting EventSource resumes where it was
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	for {
		evs, wake := s.Events(after)
		for _, e := range evs {
			b, _ := json.Marshal(e)
			fmt.Fprintf(w, "id: %d\ndata: %s\n\n", e.ID, b)
			after = e.ID
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-wake:
		case <-keepalive.C:
			fmt.Fprintf(w, ": keepalive\n\n")
		case <-r.Context().Done():
			return
		}
	}
}

func (s *Server) apiFaults(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Faults())
}

// apiSetFaults is PUT /api/faults/LISTENER with {"faults": ["drip:30ms"]}
// ([] clears them).
func (s *Server) apiSetFaults(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Faults []string `json:"faults"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		jsonError(w, http.StatusBadRequest, `want {"faults": ["SPEC", ...]}: %v`, err)
		return
	}
	if err := s.setFaultSpecs(r.PathValue("listener"), body.Faults); err != nil {
		jsonError(w, http.StatusBadRequest, "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, s.Faults())
}

func (s *Server) setFaultSpecs(listener string, specs []string) error {
	var faults []Fault
	for _, spec := range specs {
		if strings.TrimSpace(spec) == "" {
			continue
		}
		f, err := ParseFault(spec)
		if err != nil {
			return err
		}
		faults = append(faults, f)
	}
	return s.SetFaults(listener, faults)
}

// webFaults is the fault form: listener and a comma-separated spec list.
func (s *Server) webFaults(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	specs := strings.Split(r.PostForm.Get("faults"), ",")
	if r.PostForm.Get("clear") != "" {
		specs = nil
	}
	if err := s.setFaultSpecs(r.PostForm.Get("listener"), specs); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/#faults", http.StatusSeeOther)
}

func (s *Server) webDelete(w http.ResponseWriter, r *http.Request) {
	ok, err := s.deleteMessage(r)
	if err != nil || !ok {
		http.Error(w, "no such message (deleted already?)", http.StatusNotFound)
		return
	}
	http.Redirect(w, r, "/mailbox/"+url.PathEscape(r.PathValue("user"))+"/"+url.PathEscape(r.PathValue("mailbox")), http.StatusSeeOther)
}

// webMessageHTML serves the HTML part alone, for the message page's
// sandboxed frame, under mailCSP.
func (s *Server) webMessageHTML(w http.ResponseWriter, r *http.Request) {
	m, ok := s.lookup(w, r, true)
	if !ok {
		return
	}
	if m.HTML == nil {
		http.Error(w, "the message has no HTML part", http.StatusNotFound)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", mailCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(*m.HTML))
}

// webMessageRaw serves the source as plain text: never rendered.
func (s *Server) webMessageRaw(w http.ResponseWriter, r *http.Request) {
	m, ok := s.lookup(w, r, false)
	if !ok {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Write(m.raw)
}

// webAttachment sends an attachment as a download, whatever its type
// claims, so an attached .html file is never rendered in this origin.
func (s *Server) webAttachment(w http.ResponseWriter, r *http.Request) {
	m, ok := s.lookup(w, r, false)
	if !ok {
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > len(m.Attachments) {
		http.Error(w, fmt.Sprintf("the message has %d attachments, not %q", len(m.Attachments), r.PathValue("n")), http.StatusNotFound)
		return
	}
	a := m.Attachments[n-1]
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Write(a.body)
}
