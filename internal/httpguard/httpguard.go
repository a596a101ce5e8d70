// Package httpguard holds the checks mailexpect's local web servers (the
// sandbox's web view, the prober) put in front of their handlers.
package httpguard

import (
	"fmt"
	"net"
	"net/http"
	"strings"
)

// LoopbackHost refuses, with 421, a request whose Host header is not
// "localhost" or a loopback address. A server that listens on loopback
// only is otherwise open to DNS rebinding: a web page whose own name
// resolves to 127.0.0.1 could read its answers from the user's browser.
func LoopbackHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.Trim(host, "[]")
		ip := net.ParseIP(host)
		if !(host == "localhost" || ip != nil && ip.IsLoopback()) {
			http.Error(w, fmt.Sprintf("Host %q is not a loopback address: this server answers only on this machine (--listen-public to change that)", r.Host),
				http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}
