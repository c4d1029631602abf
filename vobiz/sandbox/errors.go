package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cdrdash/cdrdash/vobiz"
)

// Errors use the generic shape of the Vobiz error docs (D-ERR):
//
//	{"status":"error","error":{"code":"…","message":"…","details":{…}},
//	 "timestamp":"2025-10-12T10:30:00.000Z","requestId":"req_…"}
//
// except get-one's 404, which answers {"error":"CDR not found"} like the
// OpenAPI and Vobiz's own mock server. Invalid query parameters are 400
// VALIDATION_ERROR (the docs give 422 for VALIDATION_ERROR in general but
// 400 for "invalid request format or params"; 400 is what a client is most
// likely to meet for a bad query string). See docs/vobiz-api.md#errors.

// apiError is an error response in the D-ERR shape.
type apiError struct {
	status  int
	code    string
	message string
	details map[string]any
}

type errorBody struct {
	Status    string      `json:"status"`
	Error     errorDetail `json:"error"`
	Timestamp string      `json:"timestamp"`
	RequestID string      `json:"requestId"`
}

type errorDetail struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details"`
}

// fieldErrorJSON is one entry of details.errors for VALIDATION_ERROR.
type fieldErrorJSON struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Code    string `json:"code"`
	Value   string `json:"value"`
}

// body renders e for request id reqID.
func (e *apiError) body(reqID string) []byte {
	d := e.details
	if d == nil {
		d = map[string]any{}
	}
	b, err := json.Marshal(errorBody{
		Status:    "error",
		Error:     errorDetail{Code: e.code, Message: e.message, Details: d},
		Timestamp: time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		RequestID: reqID,
	})
	if err != nil { // only plain strings and numbers go in, so this cannot happen
		return []byte(`{"status":"error","error":{"code":"INTERNAL_ERROR","message":"error encoding failed","details":{}}}`)
	}
	return b
}

var (
	errUnauthorized = &apiError{status: http.StatusUnauthorized, code: "INVALID_CREDENTIALS",
		message: "Missing or invalid X-Auth-ID / X-Auth-Token headers."}
	errForbidden = &apiError{status: http.StatusForbidden, code: "FORBIDDEN",
		message: "The account in the URL does not match the authenticated account (X-Auth-ID)."}
	errNoRoute = &apiError{status: http.StatusNotFound, code: "NOT_FOUND",
		message: "No such endpoint. CDR paths are /api/v1/Account/{auth_id}/cdr[/search|/recent|/export|/{call_uuid}]."}
	errMethod = &apiError{status: http.StatusMethodNotAllowed, code: "METHOD_NOT_ALLOWED",
		message: "CDR endpoints accept only GET."}
)

// injectedError is the error answer for an injected fault of the given
// status, with the code the docs associate with it.
func injectedError(status int, retryAfter string) *apiError {
	e := &apiError{status: status}
	switch status {
	case http.StatusBadRequest:
		e.code, e.message = "BAD_REQUEST", "Invalid request."
	case http.StatusUnauthorized:
		e.code, e.message = "INVALID_CREDENTIALS", "Invalid credentials."
	case http.StatusPaymentRequired:
		e.code, e.message = "INSUFFICIENT_BALANCE", "Insufficient balance."
	case http.StatusForbidden:
		e.code, e.message = "ACCOUNT_INACTIVE", "The account is inactive."
	case http.StatusNotFound:
		e.code, e.message = "NOT_FOUND", "Not found."
	case http.StatusConflict:
		e.code, e.message = "CONFLICT", "Conflict."
	case http.StatusUnprocessableEntity:
		e.code, e.message = "VALIDATION_ERROR", "Validation failed."
	case http.StatusTooManyRequests:
		e.code, e.message = "RATE_LIMIT_EXCEEDED", "Too many requests. Please retry later."
		if n, err := strconv.Atoi(retryAfter); err == nil {
			e.details = map[string]any{"retryAfter": n}
		}
	case http.StatusBadGateway:
		e.code, e.message = "BAD_GATEWAY", "Upstream service error."
	case http.StatusServiceUnavailable:
		e.code, e.message = "SERVICE_UNAVAILABLE", "The service is temporarily unavailable."
	case http.StatusGatewayTimeout:
		e.code, e.message = "GATEWAY_TIMEOUT", "Upstream service timed out."
	default:
		e.code, e.message = "INTERNAL_ERROR", "An unexpected error occurred."
	}
	return e
}

// validationError converts a vobiz.ValidationError into a 400 with
// details.errors[{field,message,code,value}]. raw supplies the offending
// values as sent.
func validationError(verr *vobiz.ValidationError, raw map[string][]string) *apiError {
	errs := make([]fieldErrorJSON, 0, len(verr.Fields))
	for _, f := range verr.Fields {
		v := ""
		if vals := raw[f.Field]; len(vals) > 0 {
			v = vals[0]
		}
		errs = append(errs, fieldErrorJSON{Field: f.Field, Message: f.Message, Code: fieldErrorCode(f.Field, v), Value: clip(v)})
	}
	return &apiError{status: http.StatusBadRequest, code: "VALIDATION_ERROR",
		message: "Invalid query parameters.", details: map[string]any{"errors": errs}}
}

// fieldErrorCode classifies a field error for machine readers.
func fieldErrorCode(field, value string) string {
	switch {
	case strings.TrimSpace(value) == "":
		return "required"
	case field == vobiz.ParamStartDate || field == vobiz.ParamEndDate:
		return "invalid_date"
	case field == vobiz.ParamCallDirection:
		return "invalid_choice"
	case field == vobiz.ParamMinDuration || field == vobiz.ParamPage ||
		field == vobiz.ParamPerPage || field == vobiz.ParamLimit:
		return "invalid_number"
	default:
		return "invalid_value"
	}
}

// clip bounds an echoed value and makes it valid UTF-8, so a hostile query
// string cannot make an error body huge.
func clip(v string) string {
	v = strings.ToValidUTF8(v, "\uFFFD")
	if utf8.RuneCountInString(v) > vobiz.MaxValueLen {
		v = string([]rune(v)[:vobiz.MaxValueLen]) + "…"
	}
	return v
}
