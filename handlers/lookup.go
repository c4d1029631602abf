package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/cdrdash/cdrdash/phone"
	"github.com/cdrdash/cdrdash/vobiz"
)

// uuidPattern is the shape of a Vobiz call UUID. Only ids of this shape
// reach the get-one endpoint, so no path trick can.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// isCallUUID reports whether s is UUID-shaped.
func isCallUUID(s string) bool { return uuidPattern.MatchString(s) }

// lookup is the header's quick lookup: a pasted call UUID opens that call,
// a phone number in any format opens the calls to or from it, anything
// else becomes a free-text search.
func (h *Handler) lookup(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	switch {
	case q == "":
		http.Redirect(w, r, h.url("/calls"), http.StatusSeeOther)
		return nil
	case len(q) > vobiz.MaxValueLen:
		return badRequest("That is too long to look up. Paste a call UUID or a phone number.")
	case isCallUUID(q):
		http.Redirect(w, r, h.url("/calls/"+strings.ToLower(q)), http.StatusSeeOther)
		return nil
	}
	norm := phone.Normalizer{Region: h.PhoneRegion}
	if n, _, err := norm.MatchForm(q); err == nil && len(strings.TrimPrefix(n, "+")) >= 3 {
		// The API's search parameter covers caller and destination at once.
		http.Redirect(w, r, h.urlWith("/calls", url.Values{vobiz.ParamSearch: {n}}), http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, h.urlWith("/calls", url.Values{vobiz.ParamSearch: {q}}), http.StatusSeeOther)
	return nil
}
