package job

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"voiceid/match"
	"voiceid/salesforce"
	"voiceid/state"
)

// Pins are manual decisions that outrank every rule, kept in the state file
// for the next run. They name a user the last run read, or a User id that
// Salesforce has.

// Pin stores pins (each with its provider, note and author) for the user
// key names, an id or a username, and returns the user and the pins stored,
// also when storing one fails. A User id the last run did not read is
// confirmed with Salesforce: one it does not have is refused (a pin nobody
// can hold would be ignored for ever); when Salesforce cannot be asked, or
// runs do not read the user, the pin is kept and warn says why.
func Pin(ctx context.Context, o Options, db *state.DB, key string, pins []state.Pin, warn func(string)) (state.UserRef, []state.Pin, error) {
	u, err := findUser(db, key)
	if errors.Is(err, errUnseenUser) {
		u, err = confirmUser(ctx, o, key, warn)
	}
	if err != nil {
		return u, nil, err
	}
	for i := range pins {
		pins[i].UserID = u.ID
		if err := db.SetPin(pins[i]); err != nil {
			return u, pins[:i], err
		}
	}
	return u, pins, nil
}

// Unpin removes the pin of the user key names for provider; the rules decide
// for that user again on the next run. No such pin is state.ErrNotFound.
func Unpin(db *state.DB, key string, provider match.Provider) (state.UserRef, error) {
	u, err := findUser(db, key)
	if err != nil && !errors.Is(err, errUnseenUser) { // a pin may name a user no run has read
		return u, err
	}
	if err := db.DeletePin(u.ID, provider); err != nil {
		if errors.Is(err, state.ErrNotFound) {
			return u, fmt.Errorf("unpin: %w", err)
		}
		return u, err
	}
	return u, nil
}

// errUnseenUser is a well-formed User id the last run did not read.
var errUnseenUser = errors.New("not among the users of the last run")

// findUser finds a user among those the last run read; a 15- or
// 18-character User id it has not seen yet is errUnseenUser, with the id for
// username. Another key it does not know is state.ErrNotFound.
func findUser(db *state.DB, key string) (state.UserRef, error) {
	u, err := db.FindUser(key)
	if errors.Is(err, state.ErrNotFound) {
		if strings.HasPrefix(key, "005") && (len(key) == 15 || len(key) == 18) {
			return state.UserRef{ID: key, Username: key}, errUnseenUser
		}
		return u, fmt.Errorf("%w (run voiceid sync --dry-run first, or give the 18-character user id)", err)
	}
	return u, err
}

// confirmUser asks Salesforce about a User id the state has not seen.
func confirmUser(ctx context.Context, o Options, id string, warn func(string)) (state.UserRef, error) {
	u := state.UserRef{ID: id, Username: id}
	ctx = o.WithNetwork(ctx)
	sf, err := salesforce.Connect(ctx, o.SalesforceConfig())
	var name string
	var eligible bool
	if err == nil {
		name, eligible, err = sf.LookupUser(ctx, id)
	}
	switch {
	case errors.Is(err, salesforce.ErrNoSuchUser):
		return u, noSuchUser(id)
	case err != nil:
		warn(fmt.Sprintf("user %s was not among the users of the last run, and Salesforce could not be asked whether it exists (%v); the pin is kept", id, err))
		return u, nil
	case !eligible:
		warn(fmt.Sprintf("%s (%s) is inactive or not a standard user: runs do not read it, so the pin has no effect until it is", name, id))
	}
	u.Username = name
	return u, nil
}

// noSuchUser is a User id Salesforce does not have; it is salesforce.ErrNoSuchUser.
type noSuchUser string

func (id noSuchUser) Error() string {
	return "pin: Salesforce has no user " + string(id) + ": check the id (Setup > Users, or the user's URL)"
}

func (noSuchUser) Unwrap() error { return salesforce.ErrNoSuchUser }
