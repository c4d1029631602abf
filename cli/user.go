package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/cdrdash/cdrdash/auth"
	"github.com/cdrdash/cdrdash/store"
)

const userUsage = `Usage:
  cdrdash user add NAME [-role admin|agent]   password read from stdin
  cdrdash user list
  cdrdash user disable NAME
  cdrdash user enable NAME
  cdrdash user passwd NAME                    new password read from stdin
Database flags (-data, -database-url) and their variables apply as for serve.`

// userCommand manages accounts from the shell: the way to create the first
// admin on a real deployment.
func userCommand(ctx context.Context, args []string, getenv Env, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("missing subcommand\n%s", userUsage)
	}
	sub, rest := args[0], args[1:]
	var name string
	if sub != "list" {
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			return fmt.Errorf("user %s needs a NAME\n%s", sub, userUsage)
		}
		name, rest = rest[0], rest[1:]
	}
	fs := flag.NewFlagSet("user", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	role := fs.String("role", auth.RoleAgent, "admin or agent")
	// Split our own flags from the database settings.
	var own, dbArgs []string
	for i := 0; i < len(rest); i++ {
		if rest[i] == "-role" || rest[i] == "--role" {
			if i+1 < len(rest) {
				own = append(own, rest[i], rest[i+1])
				i++
				continue
			}
		}
		if strings.HasPrefix(rest[i], "-role=") || strings.HasPrefix(rest[i], "--role=") {
			own = append(own, rest[i])
			continue
		}
		dbArgs = append(dbArgs, rest[i])
	}
	if err := fs.Parse(own); err != nil {
		return err
	}
	cfg, err := loadConfig("user", dbArgs, getenv, stdout)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, store.WithCleanupInterval(0))
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer db.Close()
	svc := auth.NewService(db)
	actor := auth.SystemActor("cli")

	switch sub {
	case "add":
		pw, err := readPassword(stdin)
		if err != nil {
			return err
		}
		u, err := svc.AddUser(ctx, actor, name, pw, *role)
		if err != nil {
			return userError(err)
		}
		fmt.Fprintf(stdout, "added %s (%s)\n", u.Username, u.Role)
		if users, err := svc.ListUsers(ctx); err == nil && slices.ContainsFunc(users, func(x store.User) bool { return x.Demo }) {
			fmt.Fprintf(stdout, "this database also holds demo mode's accounts: demo mode now refuses to start on it, "+
				"and a demo instance already running cannot change %s\n", u.Username)
		}
	case "passwd":
		u, err := svc.LookupUser(ctx, name)
		if err != nil {
			return userError(err)
		}
		pw, err := readPassword(stdin)
		if err != nil {
			return err
		}
		if _, err := svc.SetPassword(ctx, actor, u.ID, pw); err != nil {
			return userError(err)
		}
		fmt.Fprintf(stdout, "password of %s changed; their sessions were signed out\n", u.Username)
		if u.Demo {
			fmt.Fprintf(stdout, "%s is no longer demo mode's account: it signs in with real data, and demo mode "+
				"now refuses this database\n", u.Username)
		}
	case "disable", "enable":
		u, err := svc.LookupUser(ctx, name)
		if err != nil {
			return userError(err)
		}
		if sub == "disable" {
			err = svc.Disable(ctx, actor, u.ID)
		} else {
			err = svc.Enable(ctx, actor, u.ID)
		}
		if err != nil {
			return userError(err)
		}
		fmt.Fprintf(stdout, "%sd %s\n", sub, u.Username)
	case "list":
		users, err := db.ListUsers(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USER\tROLE\tSTATUS\tLAST SIGN-IN")
		for _, u := range users {
			status, last := "active", "never"
			if u.Disabled {
				status = "disabled"
			}
			if u.Demo {
				status += " (demo mode only)"
			}
			if u.LastLoginAt != nil {
				last = u.LastLoginAt.UTC().Format("2006-01-02 15:04 UTC")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Username, u.Role, status, last)
		}
		return tw.Flush()
	default:
		return fmt.Errorf("unknown subcommand %q\n%s", sub, userUsage)
	}
	return nil
}

// readPassword takes the first line of stdin, so a password can be piped
// in and never appears in the shell history or the process list.
func readPassword(stdin io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("no password on stdin (pipe it in: echo '…' | cdrdash user add NAME)")
	}
	return pw, nil
}

func userError(err error) error {
	var verr *auth.ValidationError
	switch {
	case errors.As(err, &verr):
		return fmt.Errorf("%s: %s", verr.Field, verr.Message)
	case errors.Is(err, store.ErrNotFound):
		return errors.New("no such user")
	case errors.Is(err, store.ErrDuplicate):
		return errors.New("that username is taken")
	case errors.Is(err, auth.ErrLastAdmin):
		return errors.New("refused: cdrdash needs at least one active admin")
	}
	return err
}
