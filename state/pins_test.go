package state

import (
	"errors"
	"path/filepath"
	"testing"

	"voiceid/match"
	"voiceid/provider/aircall"
	"voiceid/provider/ringcentral"
)

func TestPinsAndUsers(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "state.db"))
	if err := db.RememberUsers([]UserRef{{ID: "005A", Username: "Ann@Example.com.prod", Name: "Ann"}}); err != nil {
		t.Fatal(err)
	}
	if u, err := db.FindUser("ann@example.com.PROD"); err != nil || u.ID != "005A" {
		t.Errorf("by username: %+v, %v", u, err)
	}
	if _, err := db.FindUser("bob"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
	db.SetPin(Pin{Pin: match.Pin{UserID: "005A", Provider: ringcentral.Name, PersonID: "1"}, Note: "first"})
	db.SetPin(Pin{Pin: match.Pin{UserID: "005A", Provider: ringcentral.Name, PersonID: "2"}, Note: "second"})
	db.SetPin(Pin{Pin: match.Pin{UserID: "005A", Provider: aircall.Name, None: true}})
	pins, _ := db.Pins()
	if len(pins) != 2 || pins[1].PersonID != "2" || pins[1].Note != "second" || !pins[0].None {
		t.Errorf("pins %+v", pins)
	}
	if err := db.DeletePin("005A", aircall.Name); err != nil {
		t.Fatal(err)
	}
	if err := db.DeletePin("005A", aircall.Name); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}
