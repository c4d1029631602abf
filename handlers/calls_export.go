package handlers

import "net/http"

// exportCalls: placeholder until the CSV export lands (issue 7).
func (h *Handler) exportCalls(w http.ResponseWriter, r *http.Request) error {
	return &httpError{status: http.StatusNotImplemented, title: "Not yet", message: "Exports are coming."}
}
