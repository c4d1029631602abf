package auth

import (
	"context"
	"fmt"

	"github.com/cdrdash/cdrdash/store"
)

// The reads and per-user preferences below are what the web pages and the
// CLI need from the user store besides the audited account changes in
// users.go. They go through the service so that callers never hold the
// store: every path to account data passes one place that can check,
// audit or cache it later.

// ListUsers returns every account ordered by username, for the users page
// and for serve's check of demo mode's account.
func (s *Service) ListUsers(ctx context.Context) ([]store.User, error) {
	users, err := s.db.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

// UserByID returns the account with this id; the error wraps
// store.ErrNotFound when there is none.
func (s *Service) UserByID(ctx context.Context, id int64) (*store.User, error) {
	u, err := s.db.UserByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("user %d: %w", id, err)
	}
	return u, nil
}

// SetTimeZone stores the display time zone of user id: an IANA name, or ""
// for the server default. A name ValidateTimeZone refuses is an error
// wrapping ErrInvalidTimeZone and is not stored.
func (s *Service) SetTimeZone(ctx context.Context, id int64, tz string) error {
	if err := ValidateTimeZone(tz); err != nil {
		return err
	}
	if err := s.db.SetTimeZone(ctx, id, tz); err != nil {
		return fmt.Errorf("set time zone of user %d: %w", id, err)
	}
	return nil
}

// SetExportColumns remembers the CSV column choice of user id, in the form
// csvreport.FormatColumns writes.
func (s *Service) SetExportColumns(ctx context.Context, id int64, columns string) error {
	if err := s.db.SetExportColumns(ctx, id, columns); err != nil {
		return fmt.Errorf("set export columns of user %d: %w", id, err)
	}
	return nil
}

// Actions returns the distinct action names in the trail, sorted, for the
// audit page's filter.
func (a *Audit) Actions(ctx context.Context) ([]string, error) {
	actions, err := a.db.ListEventActions(ctx)
	if err != nil {
		return nil, fmt.Errorf("list audit actions: %w", err)
	}
	return actions, nil
}

// Page returns up to f.Limit events matching f older than f.Before, newest
// first, and whether more follow (keyset pagination: no total is counted).
func (a *Audit) Page(ctx context.Context, f store.EventFilter) ([]store.Event, bool, error) {
	events, more, err := a.db.ListEventsPage(ctx, f)
	if err != nil {
		return nil, false, fmt.Errorf("list audit events: %w", err)
	}
	return events, more, nil
}
