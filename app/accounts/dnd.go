package accounts

import (
	"fmt"
	"time"
)

// DoNotDisturb is the account's quiet period: automated messages (greetings, out-of-office
// replies, surveys, follow-ups) wait until it ends; people can still write by hand.
type DoNotDisturb struct {
	Enabled bool `json:"enabled"`
	// Start and End are "HH:MM" in the account's time zone; End before Start spans midnight.
	Start string `json:"start"`
	End   string `json:"end"`
}

func parseClock(s string) (int, error) {
	var h, m int
	if _, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || h < 0 || h > 23 || m < 0 || m > 59 || len(s) != 5 {
		return 0, fmt.Errorf("must be a time as HH:MM")
	}
	return h*60 + m, nil
}

func (d DoNotDisturb) validate() (start, end int, err error) {
	if start, err = parseClock(d.Start); err != nil {
		return 0, 0, fmt.Errorf("start %w", err)
	}
	if end, err = parseClock(d.End); err != nil {
		return 0, 0, fmt.Errorf("end %w", err)
	}
	return start, end, nil
}

// Location is the account's time zone (UTC when unset or unknown).
func (a *Account) Location() *time.Location {
	if loc, err := time.LoadLocation(a.TimeZone); err == nil && a.TimeZone != "" {
		return loc
	}
	return time.UTC
}

// QuietUntil reports whether t falls in the account's do-not-disturb period and, if so, when the
// period ends (the moment an automated message may go out).
func (a *Account) QuietUntil(t time.Time) (time.Time, bool) {
	d := a.DoNotDisturb
	if !d.Enabled {
		return time.Time{}, false
	}
	start, end, err := d.validate()
	if err != nil || start == end {
		return time.Time{}, false
	}
	local := t.In(a.Location())
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, local.Location())
	at := func(base time.Time, minutes int) time.Time {
		return time.Date(base.Year(), base.Month(), base.Day(), minutes/60, minutes%60, 0, 0, base.Location())
	}
	now := local.Hour()*60 + local.Minute()
	switch {
	case start < end && now >= start && now < end:
		return at(day, end).UTC(), true
	case start > end && now >= start:
		return at(day.AddDate(0, 0, 1), end).UTC(), true
	case start > end && now < end:
		return at(day, end).UTC(), true
	}
	return time.Time{}, false
}
