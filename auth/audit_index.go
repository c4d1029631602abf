package auth

// ActionIndexResync is an admin asking the call index to sync one UTC day
// again (the /admin/index page). Details: {"day": "YYYY-MM-DD"}.
const ActionIndexResync = "index.resync"
