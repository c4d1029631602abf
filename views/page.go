// Package views renders cdrdash's pages with templ. Views take view-model
// structs built by handlers and never fetch data themselves.
package views

import (
	"time"

	"github.com/a-h/templ"
)

// AssetPaths turns an embedded file name into its fingerprinted URL.
type AssetPaths interface {
	Path(name string) string
}

// User is the signed-in person as pages show them.
type User struct {
	Name    string
	Role    string
	IsAdmin bool
}

// Page carries what every page needs: the shell around its content.
type Page struct {
	Title    string
	Nav      string // "home", "calls", "reports", "diagnose", "admin"
	BasePath string
	Assets   AssetPaths
	User     *User
	Demo     bool
	Version  string
	Zone     *time.Location
	Lookup   string // current text of the quick-lookup box
	Flash    string
	Now      time.Time
}

// URL builds an absolute path under the base path. Every link in the
// dashboard goes through it, so running under a reverse-proxy sub-path works.
func (p Page) URL(path string) templ.SafeURL {
	return templ.SafeURL(p.BasePath + path)
}

// Asset returns the URL of an embedded static file.
func (p Page) Asset(name string) string {
	if p.Assets == nil {
		return p.BasePath + "/static/missing/" + name
	}
	return p.Assets.Path(name)
}

// ZoneName names the display zone with its offset, e.g. "IST (+05:30)".
func (p Page) ZoneName() string {
	return ZoneLabel(p.zone(), p.Now)
}

func (p Page) zone() *time.Location {
	if p.Zone == nil {
		return time.UTC
	}
	return p.Zone
}
