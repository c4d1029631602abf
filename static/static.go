// Package static embeds the dashboard's stylesheets, scripts and vendored
// libraries and serves them under fingerprinted URLs.
//
// Every file's URL carries a hash of its content (/static/<hash>/css/app.css),
// so responses can be cached forever ("immutable") and a new release is
// picked up at once. Nothing is loaded from a CDN: users run cdrdash on
// networks without internet access.
package static

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed css js img vendor
var files embed.FS

// Assets serves the embedded files and builds their fingerprinted URLs.
type Assets struct {
	prefix string // e.g. "/static" or "/base/static"
	byName map[string]asset
}

type asset struct {
	body        []byte
	hash        string
	contentType string
}

// New hashes every embedded file. prefix is the URL path the handler is
// mounted at, including any base path.
func New(prefix string) (*Assets, error) {
	a := &Assets{prefix: strings.TrimSuffix(prefix, "/"), byName: map[string]asset{}}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = http.DetectContentType(body)
		}
		a.byName[name] = asset{body: body, hash: hex.EncodeToString(sum[:6]), contentType: ct}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Path returns the fingerprinted URL of an embedded file such as
// "css/app.css". An unknown name returns a URL that answers 404, so a typo
// shows up as a broken asset in tests rather than a panic.
func (a *Assets) Path(name string) string {
	if f, ok := a.byName[name]; ok {
		return a.prefix + "/" + f.hash + "/" + name
	}
	return a.prefix + "/missing/" + name
}

// ServeHTTP serves /<hash>/<name> (the prefix already stripped). A stale
// hash still gets the current file, but without the immutable caching, so
// a page cached across a release does not pin a wrong file for a year.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hash, name, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	f, found := a.byName[name]
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	etag := `"` + f.hash + `"`
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("ETag", etag)
	if hash == f.hash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}
