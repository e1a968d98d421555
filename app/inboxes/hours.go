package inboxes

import "time"

// The SLA clock. Business hours are wall-clock times in the account's time zone, so every
// interval is built from the local calendar date with time.Date: a day is 23 or 25 hours long
// when the clocks change, and "09:00" stays nine in the morning on both sides of the change.
// When business hours are off the business is always open and the clock is the plain clock.

// clock parses "HH:MM" into minutes after midnight. "24:00" (end of day) is allowed when end is
// true, so a day can be open until midnight.
func clock(s string, end bool) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if h == 24 && m == 0 && end {
		return 24 * 60, true
	}
	if h > 23 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}

// span returns the minutes [from, to) the day is open; ok is false when it is closed (or its
// hours are unusable, which validation prevents for saved inboxes).
func (d Day) span() (from, to int, ok bool) {
	if !d.Open {
		return 0, 0, false
	}
	if d.AllDay {
		return 0, 24 * 60, true
	}
	from, okf := clock(d.From, false)
	to, okt := clock(d.To, true)
	if !okf || !okt || from >= to {
		return 0, 0, false
	}
	return from, to, true
}

// interval is the open instants [start, end) of the local calendar date y-m-d (d may overflow
// the month: time.Date normalises it).
func (h BusinessHours) interval(y int, m time.Month, d int, loc *time.Location) (start, end time.Time, ok bool) {
	wd := time.Date(y, m, d, 12, 0, 0, 0, loc).Weekday()
	from, to, ok := h.Days[wd].span()
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	return wallTime(y, m, d, from, loc), wallTime(y, m, d, to, loc), true
}

// wallTime is the instant the clocks in loc show minute min of the local date y-m-d. When the
// clocks jumped over that time (spring forward; in Brazil the jump skipped midnight itself) it
// is the instant of the jump, the first moment the day reached that time. time.Date alone may
// answer an instant the day before.
func wallTime(y int, m time.Month, d, min int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, 0, min, 0, 0, loc)
	want := time.Date(y, m, d, 0, min, 0, 0, time.UTC)
	if wall(t, loc).Equal(want) {
		return t
	}
	// Find the first second whose wall clock has reached want. No zone jumps by 3 hours.
	lo, hi := t.Add(-3*time.Hour), t.Add(3*time.Hour)
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
		if wall(mid, loc).Before(want) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// wall is the clock reading of t in loc, as a UTC time, so readings compare.
func wall(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	y, m, d := l.Date()
	h, mi, s := l.Clock()
	return time.Date(y, m, d, h, mi, s, l.Nanosecond(), time.UTC)
}

// neverOpen reports whether no weekday opens at all.
func (h BusinessHours) neverOpen() bool {
	for _, d := range h.Days {
		if _, _, ok := d.span(); ok {
			return false
		}
	}
	return true
}

// each calls fn with the open intervals of the local dates from t's date onwards, in order,
// until fn returns false. The caller must know some day opens (else it loops forever).
func (h BusinessHours) each(t time.Time, loc *time.Location, fn func(start, end time.Time) bool) {
	y, m, d := t.In(loc).Date()
	for i := 0; ; i++ {
		if s, e, ok := h.interval(y, m, d+i, loc); ok && e.After(s) && !fn(s, e) {
			return
		}
	}
}

// OpenAt reports whether the business is open at t (always, when business hours are off).
func (h BusinessHours) OpenAt(t time.Time, loc *time.Location) bool {
	if !h.Enabled {
		return true
	}
	y, m, d := t.In(loc).Date()
	s, e, ok := h.interval(y, m, d, loc)
	return ok && !t.Before(s) && t.Before(e)
}

// NextOpen is t itself when the business is open then, else the next instant it opens; the
// zero time when it never opens.
func (h BusinessHours) NextOpen(t time.Time, loc *time.Location) time.Time {
	if !h.Enabled {
		return t
	}
	if h.neverOpen() {
		return time.Time{}
	}
	var next time.Time
	h.each(t, loc, func(s, e time.Time) bool {
		if !t.Before(e) {
			return true
		}
		next = s
		if t.After(s) {
			next = t
		}
		return false
	})
	return next
}

// Add is the instant when d of open time has elapsed after start: an SLA target counted in
// business hours. With business hours off it is start+d; when the business never opens it is
// the zero time (never due).
func (h BusinessHours) Add(start time.Time, d time.Duration, loc *time.Location) time.Time {
	if !h.Enabled {
		return start.Add(d)
	}
	if d <= 0 {
		return start
	}
	if h.neverOpen() {
		return time.Time{}
	}
	left := d
	var due time.Time
	h.each(start, loc, func(s, e time.Time) bool {
		if !start.Before(e) {
			return true
		}
		if start.After(s) {
			s = start
		}
		if avail := e.Sub(s); left > avail {
			left -= avail
			return true
		}
		due = s.Add(left)
		return false
	})
	return due
}

// Elapsed is the open time between from and to (0 when to is not after from): how much of an
// SLA target a conversation has used.
func (h BusinessHours) Elapsed(from, to time.Time, loc *time.Location) time.Duration {
	if !to.After(from) {
		return 0
	}
	if !h.Enabled {
		return to.Sub(from)
	}
	if h.neverOpen() {
		return 0
	}
	var total time.Duration
	h.each(from, loc, func(s, e time.Time) bool {
		if !s.Before(to) {
			return false
		}
		if s.Before(from) {
			s = from
		}
		if e.After(to) {
			e = to
		}
		if e.After(s) {
			total += e.Sub(s)
		}
		return true
	})
	return total
}
