package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/cdrdash/cdrdash/diagnosis"
	"github.com/cdrdash/cdrdash/views"
)

// maxFormBytes bounds every form body. The diagnoser's own limit on the
// pasted record is diagnosis.MaxInputBytes; the rest is room for encoding.
const maxFormBytes = 4 * diagnosis.MaxInputBytes

// showDiagnose renders the empty diagnoser.
func (h *Handler) showDiagnose(w http.ResponseWriter, r *http.Request) error {
	v := views.DiagnoseView{MaxBytes: diagnosis.MaxInputBytes}
	return h.render(w, r, http.StatusOK, views.DiagnosePage(h.page(r, "Diagnose", "diagnose"), v))
}

// diagnose explains a pasted record without any upstream request.
// Malformed input gets 400 and a message that says what and where.
func (h *Handler) diagnose(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	p := h.page(r, "Diagnose", "diagnose")
	v := views.DiagnoseView{MaxBytes: diagnosis.MaxInputBytes}
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			v.Error = "That is too much text. Paste one record, at most " + strconv.Itoa(diagnosis.MaxInputBytes/1024) + " KB."
			return h.render(w, r, http.StatusRequestEntityTooLarge, views.DiagnosePage(p, v))
		}
		return badRequest("The form could not be read.")
	}
	v.Input = r.PostForm.Get("cdr")
	in, err := diagnosis.ParseInputDetail([]byte(v.Input))
	if err != nil {
		var ie *diagnosis.InputError
		if errors.As(err, &ie) {
			v.Error = ie.Message
			if ie.Line > 0 {
				v.Where = "line " + strconv.Itoa(ie.Line) + ", column " + strconv.Itoa(ie.Column)
			}
		} else {
			v.Error = "The input could not be read."
		}
		return h.render(w, r, http.StatusBadRequest, views.DiagnosePage(p, v))
	}
	cv := h.callView(in.CDR, h.zone(r))
	v.Result = &cv
	v.Notes = in.Notes
	return h.render(w, r, http.StatusOK, views.DiagnosePage(p, v))
}
