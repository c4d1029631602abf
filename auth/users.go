package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"

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

// mayChange refuses, on a demo instance, a signed-in actor changing an
// account that is not demo mode's own. Demo mode refuses a database holding
// real accounts at start-up, but one can be added while the demo runs (the
// CLI, another replica), and the demo's well-known admin must not be able to
// reset, disable or promote it. System actors (the CLI) are not limited.
func (s *Service) mayChange(actor Actor, target *store.User) error {
	if s.demo && actor.UserID != 0 && actor.UserID != target.ID && !target.Demo {
		return ErrNotDemoAccount
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

// AddUser creates an account (marked store.User.Demo on a demo instance,
// see WithDemoMode). username is normalised (NormalizeUsername),
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
	create, details := s.db.CreateUser, map[string]any{"role": role}
	if s.demo {
		// An account added on a demo instance has only seen synthetic
		// calls: it is demo mode's too, confined to demo instances, and
		// does not stop the demo from starting on this database again.
		create, details["demo"] = s.db.CreateDemoUser, true
	}
	u, err := create(ctx, name, role, hash)
	if errors.Is(err, store.ErrDuplicate) {
		return nil, invalid("username", "That username is already taken.", err)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: add user: %w", err)
	}
	details["target"], details["target_id"] = u.Username, u.ID
	s.record(ctx, actor, ActionUserCreate, details)
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
	target, err := s.db.UserByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("auth: set password: %w", err)
	}
	if err := s.mayChange(actor, target); err != nil {
		return nil, err
	}
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
	if u.Demo && !s.demo {
		// Someone outside demo mode (the CLI) gave demo mode's account a
		// password of their own: it is theirs now, and no longer confined
		// to demo instances, which in turn refuse this database from now on.
		if err := s.db.SetDemo(ctx, u.ID, false); err != nil {
			return nil, fmt.Errorf("auth: set password: %w", err)
		}
		u.Demo = false
		s.record(ctx, actor, ActionUserDemo, map[string]any{"target": u.Username, "target_id": u.ID, "demo": false})
	}
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
	if err := s.mayChange(actor, u); err != nil {
		return err
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
	if err := s.mayChange(actor, u); err != nil {
		return err
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
	if err := s.mayChange(actor, u); err != nil {
		return err
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

// ErrNotDemoDatabase means demo mode was started on a database holding
// accounts that demo mode did not create. Match it with errors.Is; the
// error itself is a *NotDemoDatabaseError.
var ErrNotDemoDatabase = errors.New("auth: the database holds accounts demo mode did not create")

// NotDemoDatabaseError is EnsureDemoUser's refusal: Accounts accounts
// (Example is one of them) belong to someone, and demo mode would add the
// published demo / demo admin next to them.
type NotDemoDatabaseError struct {
	Accounts int
	Example  string
}

func (e *NotDemoDatabaseError) Error() string {
	return fmt.Sprintf("auth: demo mode refuses this database: it holds %d account(s) demo mode did not create "+
		"(such as %q), and demo mode would give it the admin %s / %s", e.Accounts, e.Example, DemoUsername, DemoPassword)
}

// Is makes errors.Is(err, ErrNotDemoDatabase) match.
func (e *NotDemoDatabaseError) Is(target error) bool { return target == ErrNotDemoDatabase }

// EnsureDemoUser makes sure the demo account exists for demo mode: username
// "demo", password "demo", role admin, enabled, marked store.User.Demo (so
// only demo instances let it sign in; see WithDemoMode). It is the only way
// to get a password shorter than MinPasswordLength.
//
// Demo mode must never open a database that holds real accounts (a shared
// PostgreSQL database, a production data directory): if any account is not
// demo mode's own, it changes nothing and returns a *NotDemoDatabaseError.
// Demo mode's own accounts are the marked ones, and an unmarked "demo"
// account that still has the demo password, which only demo mode can set
// (data directories first used in demo mode before accounts were marked);
// that one is marked now. Demo mode's account is reset to the state above so
// the demo always works. Every change is recorded in the audit trail.
func (s *Service) EnsureDemoUser(ctx context.Context) (*store.User, error) {
	actor := SystemActor("demo-mode")
	users, err := s.db.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: ensure demo user: %w", err)
	}
	var (
		demo     *store.User
		real     []string
		unmarked bool
	)
	for i := range users {
		u := &users[i]
		switch {
		case u.Demo:
			if u.Username == DemoUsername {
				demo = u
			}
		case u.Username == DemoUsername && s.hasDemoPassword(ctx, u):
			demo, unmarked = u, true
		default:
			real = append(real, u.Username)
		}
	}
	if len(real) > 0 {
		return nil, &NotDemoDatabaseError{Accounts: len(real), Example: real[0]}
	}
	if demo == nil {
		return s.createDemoUser(ctx, actor)
	}
	details := func(extra map[string]any) map[string]any {
		m := map[string]any{"target": demo.Username, "target_id": demo.ID}
		maps.Copy(m, extra)
		return m
	}
	if unmarked {
		if err := s.db.SetDemo(ctx, demo.ID, true); err != nil {
			return nil, fmt.Errorf("auth: ensure demo user: %w", err)
		}
		s.record(ctx, actor, ActionUserDemo, details(map[string]any{"demo": true}))
	}
	if !s.hasDemoPassword(ctx, demo) {
		hash, err := s.params.hash(ctx, DemoPassword)
		if err != nil {
			return nil, fmt.Errorf("auth: ensure demo user: %w", err)
		}
		if err := s.db.UpdatePassword(ctx, demo.ID, hash); err != nil {
			return nil, fmt.Errorf("auth: ensure demo user: %w", err)
		}
		s.record(ctx, actor, ActionUserPassword, details(map[string]any{"kind": "demo-reset"}))
	}
	if demo.Role != RoleAdmin {
		if err := s.db.SetRole(ctx, demo.ID, RoleAdmin); err != nil {
			return nil, fmt.Errorf("auth: ensure demo user: %w", err)
		}
		s.record(ctx, actor, ActionUserRole, details(map[string]any{"from": demo.Role, "to": RoleAdmin}))
	}
	if demo.Disabled {
		if err := s.db.SetDisabled(ctx, demo.ID, false); err != nil {
			return nil, fmt.Errorf("auth: ensure demo user: %w", err)
		}
		s.record(ctx, actor, ActionUserEnable, details(nil))
	}
	u, err := s.db.UserByID(ctx, demo.ID)
	if err != nil {
		return nil, fmt.Errorf("auth: ensure demo user: %w", err)
	}
	return u, nil
}

func (s *Service) createDemoUser(ctx context.Context, actor Actor) (*store.User, error) {
	hash, err := s.params.hash(ctx, DemoPassword)
	if err != nil {
		return nil, fmt.Errorf("auth: ensure demo user: %w", err)
	}
	u, err := s.db.CreateDemoUser(ctx, DemoUsername, RoleAdmin, hash)
	if errors.Is(err, store.ErrDuplicate) {
		// Another replica won the race, or someone created a real "demo"
		// since the check: only the former is acceptable.
		u, err = s.db.UserByName(ctx, DemoUsername)
		if err == nil && !u.Demo {
			return nil, &NotDemoDatabaseError{Accounts: 1, Example: u.Username}
		}
	} else if err == nil {
		s.record(ctx, actor, ActionUserCreate, map[string]any{"target": u.Username, "target_id": u.ID,
			"role": RoleAdmin, "demo": true})
	}
	if err != nil {
		return nil, fmt.Errorf("auth: ensure demo user: %w", err)
	}
	return u, nil
}

// hasDemoPassword reports whether u's password is the demo password.
func (s *Service) hasDemoPassword(ctx context.Context, u *store.User) bool {
	ok, err := s.verify(ctx, u.PasswordHash, DemoPassword)
	return err == nil && ok
}

// IsDemoAccount reports whether u is demo mode's account: marked, or an
// unmarked "demo" account that still has the demo password (which only
// demo mode can set).
func IsDemoAccount(u *store.User) bool {
	if u.Demo {
		return true
	}
	if u.Username != DemoUsername {
		return false
	}
	ok, err := CheckPassword(u.PasswordHash, DemoPassword)
	return err == nil && ok
}
