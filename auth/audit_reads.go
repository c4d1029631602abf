package auth

// Audit actions for reads of call data. Bulk viewing of phone numbers must
// leave a trace, so searches, lookups, report views and reads of the
// audit trail itself are recorded like call views and exports. Their
// details hold filters and typed text, phone numbers included: like every
// event's details they stay in the trail and out of the process log.
const (
	// ActionCallSearch is one page of the calls list. Details:
	// {"filters": query without paging, "page": n, "per_page": n}.
	ActionCallSearch = "call.search"
	// ActionCallLookup is the header's quick lookup. Details: {"q": text}.
	ActionCallLookup = "call.lookup"
	// ActionReportView is one Reports page. Details: {"filters": query,
	// the date range included}.
	ActionReportView = "report.view"
	// ActionAuditRead is one page of the audit trail. Details: its
	// filters and page.
	ActionAuditRead = "audit.read"
)
