package auth_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/store"
	"github.com/cdrdash/cdrdash/store/storetest"
)

func TestAuditRecord(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		a := e.svc.Audit()
		alice := e.addUser(t, "alice", auth.RoleAdmin)
		ctx := auth.ContextWithUser(context.Background(), alice)

		type exportFilter struct {
			From    string   `json:"from"`
			To      string   `json:"to"`
			Columns []string `json:"columns"`
		}
		tests := []struct {
			name        string
			ctx         context.Context
			ev          auth.Event
			wantUser    string
			wantDetails string
		}{
			{"user from context, struct details", ctx,
				auth.Event{Action: auth.ActionCallExport, ClientIP: "192.0.2.5",
					Details: exportFilter{From: "2026-01-01", To: "2026-01-31", Columns: []string{"start", "to"}}},
				"alice", `{"columns":["start","to"],"from":"2026-01-01","to":"2026-01-31"}`},
			{"explicit user wins", ctx,
				auth.Event{Action: auth.ActionCallView, Username: "system", Details: "call 42"},
				"system", "call 42"},
			{"secrets redacted at any depth", context.Background(),
				auth.Event{Action: "test.redact", Details: map[string]any{
					"Password": "hunter2hunter2", "nested": map[string]any{"api_token": "tok123", "ok": 1},
					"list": []any{map[string]any{"secret": "s"}}, "call_id": int64(9007199254740993)}},
				"", `{"Password":"[redacted]","call_id":9007199254740993,"list":[{"secret":"[redacted]"}],"nested":{"api_token":"[redacted]","ok":1}}`},
			{"raw json redacted", context.Background(),
				auth.Event{Action: "test.raw", Details: json.RawMessage(`{"session_cookie":"abc-cookie-value","n":1}`)},
				"", `{"n":1,"session_cookie":"[redacted]"}`},
			{"no details", context.Background(), auth.Event{Action: "test.empty"}, "", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				a.Record(tt.ctx, tt.ev)
				evs, _, err := a.List(context.Background(), store.EventFilter{Action: tt.ev.Action, Limit: 1})
				mustNil(t, err)
				if len(evs) != 1 {
					t.Fatalf("no event stored")
				}
				got := evs[0]
				if got.Username != tt.wantUser || got.Details != tt.wantDetails || got.ClientIP != tt.ev.ClientIP {
					t.Errorf("stored %+v\nwant user %q details %s", got, tt.wantUser, tt.wantDetails)
				}
				if tt.wantUser == "alice" && (got.UserID == nil || *got.UserID != alice.ID) {
					t.Errorf("UserID = %v, want %d", got.UserID, alice.ID)
				}
				if !got.At.Equal(e.clk.Now()) {
					t.Errorf("At = %v, want store clock %v", got.At, e.clk.Now())
				}
			})
		}
		logs := e.log.String()
		for _, secret := range []string{"hunter2hunter2", "tok123", "abc-cookie-value"} {
			if strings.Contains(logs, secret) {
				t.Errorf("log contains secret %q", secret)
			}
		}
		if !strings.Contains(logs, "action=call.export") {
			t.Errorf("event not logged:\n%s", logs)
		}
	})
}

func TestAuditSurvivesCancelledContext(t *testing.T) {
	db := storetest.SQLite(t)
	a := auth.NewAudit(db, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the client went away after viewing the call
	a.Record(ctx, auth.Event{Action: auth.ActionCallView, Username: "alice"})
	_, total, err := a.List(context.Background(), store.EventFilter{})
	mustNil(t, err)
	if total != 1 {
		t.Errorf("%d events, want 1", total)
	}
}

func TestAuditStoreFailureIsLogged(t *testing.T) {
	db := storetest.SQLite(t)
	var buf syncBuffer
	a := auth.NewAudit(db, slog.New(slog.NewTextHandler(&buf, nil)))
	mustNil(t, db.Close())
	a.Record(context.Background(), auth.Event{Action: auth.ActionCallView, Username: "alice"}) // must not panic
	if !strings.Contains(buf.String(), "level=ERROR") || !strings.Contains(buf.String(), "action=call.view") {
		t.Errorf("store failure not logged with the event:\n%s", buf.String())
	}
}

// TestAuditDetailsStayOutOfTheLog: details hold personal data (an export's
// phone-number filter); the trail keeps them, the process log does not.
func TestAuditDetailsStayOutOfTheLog(t *testing.T) {
	db := storetest.SQLite(t)
	var buf syncBuffer
	a := auth.NewAudit(db, slog.New(slog.NewTextHandler(&buf, nil)))
	a.Record(context.Background(), auth.Event{Action: auth.ActionCallExport, Username: "alice",
		Details: map[string]string{"filters": "from_number=%2B919876543210"}})
	if !strings.Contains(buf.String(), "action=call.export") {
		t.Fatalf("the event is not logged:\n%s", buf.String())
	}
	if strings.Contains(buf.String(), "919876543210") {
		t.Errorf("the log carries the details:\n%s", buf.String())
	}
	evs, _, err := db.ListEvents(context.Background(), store.EventFilter{Limit: 1})
	if err != nil || len(evs) != 1 || !strings.Contains(evs[0].Details, "919876543210") {
		t.Fatalf("the trail lost the details: %v %+v", err, evs)
	}
}
