package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/cdrdash/cdrdash/store"
)

// Demo account created by EnsureDemoUser.
const (
	DemoUsername = "demo"
	DemoPassword = "demo"
)

// authorize checks that actor may manage users: system actors always may;
// a user actor must exist, be enabled and be an admin (re-read from the
// database, so a demoted admin loses the right at once).
func (s *Service) authorize(ctx context.Context, actor Actor) error {
	if actor.UserID == 0 {
		return nil
	}
	u, err := s.db.UserByID(ctx, actor.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrForbidden
	}
	if err != nil {
		return err
	}
	if !HasRole(u, RoleAdmin) {
		return ErrForbidden
	}
	return nil
}

func (s *Service) record(ctx context.Context, actor Actor, action string, details map[string]any) {
	s.audit.Record(ctx, Event{Action: action, Username: actor.Username, UserID: actor.UserID,
		ClientIP: actor.ClientIP, Details: details})
}

// LookupUser finds a user by a typed username (normalised first; an
// invalid name is store.ErrNotFound too). For CLI commands and admin pages.
func (s *Service) LookupUser(ctx context.Context, username string) (*store.User, error) {
	name, err := NormalizeUsername(username)
	if err != nil {
		return nil, fmt.Errorf("auth: lookup user: %w", errors.Join(store.ErrNotFound, err))
	}
	u, err := s.db.UserByName(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("auth: lookup user: %w", err)
	}
	return u, nil
}

// AddUser creates an account. username is normalised (NormalizeUsername),
// password must pass ValidatePassword and role ValidateRole; problems come
// back as *ValidationError (a taken username too, which also matches
// store.ErrDuplicate). The actor must be an admin or a system actor.
func (s *Service) AddUser(ctx context.Context, actor Actor, username, password, role string) (*store.User, error) {
	name, err := NormalizeUsername(username)
	if err != nil {
		return nil, err
	}
	if err := ValidatePassword(password); err != nil {
		return nil, err
	}
	if err := ValidateRole(role); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, actor); err != nil {
		return nil, fmt.Errorf("auth: add user: %w", err)
	}
	hash, err := s.params.hash(ctx, password)
	if err != nil {
		return nil, fmt.Errorf("auth: add user: %w", err)
	}
	u, err := s.db.CreateUser(ctx, name, role, hash)
	if errors.Is(err, store.ErrDuplicate) {
		return nil, invalid("username", "That username is already taken.", err)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: add user: %w", err)
	}
	s.record(ctx, actor, ActionUserCreate, map[string]any{"target": u.Username, "target_id": u.ID, "role": role})
	return u, nil
}

// SetPassword sets a new password for user id (an admin reset or the CLI).
// All of that user's sessions stop working. A signed-in actor resetting
// their own password must prove they know the current one: that is
// ChangePassword, and SetPassword refuses it (ErrOwnPassword), so a
// session left open on a shared machine cannot take the account over.
func (s *Service) SetPassword(ctx context.Context, actor Actor, id int64, password string) (*store.User, error) {
	if actor.UserID != 0 && actor.UserID == id {
		return nil, ErrOwnPassword
	}
	if err := ValidatePassword(password); err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, actor); err != nil {
		return nil, fmt.Errorf("auth: set password: %w", err)
	}
	return s.setPassword(ctx, actor, id, password, "reset")
}

// ChangePassword lets the signed-in actor change their own password after
// re-entering the current one (ErrInvalidCredentials if wrong). Wrong
// current passwords are throttled like sign-ins, with the same atomic
// count-and-record (*ThrottledError while locked, *BusyError when too many
// run at once). Other sessions of the user stop working; call Login with
// the returned user to keep the current one.
func (s *Service) ChangePassword(ctx context.Context, actor Actor, current, next string) (*store.User, error) {
	if actor.UserID == 0 {
		return nil, fmt.Errorf("auth: change password: %w", ErrForbidden)
	}
	if err := ValidatePassword(next); err != nil {
		return nil, err
	}
	u, err := s.db.UserByID(ctx, actor.UserID)
	if err != nil {
		return nil, fmt.Errorf("auth: change password: %w", err)
	}
	userKey, ipKey := "user:"+u.Username, ipThrottleKey(actor.ClientIP)
	release, err := s.enter(userKey, ipKey)
	if err != nil {
		return nil, err
	}
	defer release()
	now := s.now()
	att, err := s.beginAttempt(ctx, now, userKey, ipKey)
	if err != nil {
		return nil, fmt.Errorf("auth: change password: %w", err)
	}
	if att.lock != nil {
		return nil, s.throttled(ctx, now, att.lock, Event{Username: u.Username, UserID: u.ID, ClientIP: actor.ClientIP})
	}
	ok, err := s.verify(ctx, u.PasswordHash, current)
	if err != nil {
		s.cancelAttempt(ctx, att)
		return nil, fmt.Errorf("auth: change password: %w", err)
	}
	if !ok || len(current) > MaxPasswordBytes {
		// The failure is already recorded (beginAttempt).
		s.record(ctx, actor, ActionUserPassword, map[string]any{"target": u.Username, "target_id": u.ID,
			"kind": "self", "result": "bad_current_password"})
		return nil, ErrInvalidCredentials
	}
	s.cancelAttempt(ctx, att)
	if err := s.db.ClearLoginFailures(ctx, pairThrottleKey(userKey, ipKey)); err != nil {
		s.logger.Error("auth: cannot clear login failures", slog.String("username", u.Username), slog.Any("error", err))
	}
	return s.setPassword(ctx, actor, u.ID, next, "self")
}

func (s *Service) setPassword(ctx context.Context, actor Actor, id int64, password, kind string) (*store.User, error) {
	hash, err := s.params.hash(ctx, password)
	if err != nil {
		return nil, fmt.Errorf("auth: set password: %w", err)
	}
	if err := s.db.UpdatePassword(ctx, id, hash); err != nil {
		return nil, fmt.Errorf("auth: set password: %w", err)
	}
	u, err := s.db.UserByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("auth: set password: %w", err)
	}
	s.record(ctx, actor, ActionUserPassword, map[string]any{"target": u.Username, "target_id": u.ID, "kind": kind})
	return u, nil
}

// Disable blocks user id from signing in and ends their sessions at their
// next request. An admin cannot disable themself (ErrSelfLockout) and the
// last enabled admin cannot be disabled (ErrLastAdmin).
func (s *Service) Disable(ctx context.Context, actor Actor, id int64) error {
	return s.setDisabled(ctx, actor, id, true)
}

// Enable lets user id sign in again. Their old sessions stay invalid.
func (s *Service) Enable(ctx context.Context, actor Actor, id int64) error {
	return s.setDisabled(ctx, actor, id, false)
}

func (s *Service) setDisabled(ctx context.Context, actor Actor, id int64, disabled bool) error {
	action := ActionUserEnable
	if disabled {
		action = ActionUserDisable
	}
	if err := s.authorize(ctx, actor); err != nil {
		return fmt.Errorf("auth: %s: %w", action, err)
	}
	if disabled && actor.UserID == id {
		return ErrSelfLockout
	}
	u, err := s.db.UserByID(ctx, id)
	if err != nil {
		return fmt.Errorf("auth: %s: %w", action, err)
	}
	if err := s.db.SetDisabled(ctx, id, disabled); err != nil {
		return fmt.Errorf("auth: %s: %w", action, err)
	}
	s.record(ctx, actor, action, map[string]any{"target": u.Username, "target_id": id})
	return nil
}

// SetRole changes the role of user id. An admin cannot demote themself
// (ErrSelfLockout) and the last enabled admin cannot be demoted
// (ErrLastAdmin).
func (s *Service) SetRole(ctx context.Context, actor Actor, id int64, role string) error {
	if err := ValidateRole(role); err != nil {
		return err
	}
	if err := s.authorize(ctx, actor); err != nil {
		return fmt.Errorf("auth: set role: %w", err)
	}
	if actor.UserID == id && role != RoleAdmin {
		return ErrSelfLockout
	}
	u, err := s.db.UserByID(ctx, id)
	if err != nil {
		return fmt.Errorf("auth: set role: %w", err)
	}
	if err := s.db.SetRole(ctx, id, role); err != nil {
		return fmt.Errorf("auth: set role: %w", err)
	}
	if u.Role != role {
		s.record(ctx, actor, ActionUserRole, map[string]any{"target": u.Username, "target_id": id, "from": u.Role, "to": role})
	}
	return nil
}

// RevokeSessions signs user id out everywhere ("sign out all devices").
// The actor may be an admin, a system actor, or the user themself.
func (s *Service) RevokeSessions(ctx context.Context, actor Actor, id int64) error {
	if actor.UserID != id {
		if err := s.authorize(ctx, actor); err != nil {
			return fmt.Errorf("auth: revoke sessions: %w", err)
		}
	}
	u, err := s.db.UserByID(ctx, id)
	if err != nil {
		return fmt.Errorf("auth: revoke sessions: %w", err)
	}
	if err := s.db.RevokeSessions(ctx, id); err != nil {
		return fmt.Errorf("auth: revoke sessions: %w", err)
	}
	s.record(ctx, actor, ActionUserRevoke, map[string]any{"target": u.Username, "target_id": id})
	return nil
}

// Unlock clears the sign-in throttle for username (not for client
// addresses, which expire on their own).
func (s *Service) Unlock(ctx context.Context, actor Actor, username string) error {
	name, err := NormalizeUsername(username)
	if err != nil {
		return err
	}
	if err := s.authorize(ctx, actor); err != nil {
		return fmt.Errorf("auth: unlock: %w", err)
	}
	// The username's own key, and every username+address pair of it.
	if err := s.db.ClearLoginFailuresPrefix(ctx, "user:"+name+"|"); err != nil {
		return fmt.Errorf("auth: unlock: %w", err)
	}
	if err := s.db.ClearLoginFailures(ctx, "user:"+name); err != nil {
		return fmt.Errorf("auth: unlock: %w", err)
	}
	s.record(ctx, actor, ActionUserUnlock, map[string]any{"target": name})
	return nil
}

// EnsureDemoUser makes sure the demo account exists for demo mode: username
// "demo", password "demo", role admin, enabled. It is the only way to get a
// password shorter than MinPasswordLength. An existing demo account is
// reset to that state (password, role, enabled) so the demo always works.
// Never call it outside demo mode.
func (s *Service) EnsureDemoUser(ctx context.Context) (*store.User, error) {
	actor := SystemActor("demo-mode")
	u, err := s.db.UserByName(ctx, DemoUsername)
	if errors.Is(err, store.ErrNotFound) {
		hash, herr := s.params.hash(ctx, DemoPassword)
		if herr != nil {
			return nil, fmt.Errorf("auth: ensure demo user: %w", herr)
		}
		u, err = s.db.CreateUser(ctx, DemoUsername, RoleAdmin, hash)
		if errors.Is(err, store.ErrDuplicate) { // another replica won the race
			return s.db.UserByName(ctx, DemoUsername)
		}
		if err != nil {
			return nil, fmt.Errorf("auth: ensure demo user: %w", err)
		}
		s.record(ctx, actor, ActionUserCreate, map[string]any{"target": u.Username, "target_id": u.ID, "role": RoleAdmin})
		return u, nil
	}
	if err != nil {
		return nil, fmt.Errorf("auth: ensure demo user: %w", err)
	}
	if ok, cerr := s.verify(ctx, u.PasswordHash, DemoPassword); cerr != nil || !ok {
		hash, herr := s.params.hash(ctx, DemoPassword)
		if herr != nil {
			return nil, fmt.Errorf("auth: ensure demo user: %w", herr)
		}
		if err := s.db.UpdatePassword(ctx, u.ID, hash); err != nil {
			return nil, fmt.Errorf("auth: ensure demo user: %w", err)
		}
	}
	if u.Role != RoleAdmin {
		if err := s.db.SetRole(ctx, u.ID, RoleAdmin); err != nil {
			return nil, fmt.Errorf("auth: ensure demo user: %w", err)
		}
	}
	if u.Disabled {
		if err := s.db.SetDisabled(ctx, u.ID, false); err != nil {
			return nil, fmt.Errorf("auth: ensure demo user: %w", err)
		}
	}
	u, err = s.db.UserByID(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("auth: ensure demo user: %w", err)
	}
	return u, nil
}
