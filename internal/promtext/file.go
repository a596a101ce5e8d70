package promtext

import (
	"compress/gzip"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// WriteFile writes fams to path for node_exporter's textfile collector:
// into a temporary file beside it, made readable (0644), then renamed over
// it, so the collector never reads half a file.
func WriteFile(path string, fams []Family) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := Write(tmp, fams); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ContentType is the text format's media type, as the official client
// sends it (metric names are never escaped here: they are all legacy
// names already).
const ContentType = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"

// Handler serves the families gather returns at each request, gzipped
// when the scraper accepts it (Prometheus does).
func Handler(gather func() []Family) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", ContentType)
		fams := gather()
		if !acceptsGzip(req.Header.Get("Accept-Encoding")) {
			Write(w, fams)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		gz := gzip.NewWriter(w)
		Write(gz, fams)
		gz.Close()
	})
}

// acceptsGzip reads an Accept-Encoding header: gzip (or *) listed
// without q=0.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "*" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				q, _ = strconv.ParseFloat(v, 64)
			}
		}
		if q > 0 {
			return true
		}
	}
	return false
}
