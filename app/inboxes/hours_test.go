package inboxes

import (
	"testing"
	"time"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// weekdays opens Monday to Friday from..to.
func weekdays(from, to string) BusinessHours {
	h := BusinessHours{Enabled: true}
	for d := time.Monday; d <= time.Friday; d++ {
		h.Days[d] = Day{Open: true, From: from, To: to}
	}
	return h
}

func everyDay(day Day) BusinessHours {
	h := BusinessHours{Enabled: true}
	for i := range h.Days {
		h.Days[i] = day
	}
	return h
}

func TestAddCarriesOverTheWeekend(t *testing.T) {
	loc := zone(t, "America/Sao_Paulo")
	h := weekdays("09:00", "18:00")
	start := time.Date(2024, 5, 10, 17, 0, 0, 0, loc)
	if start.Weekday() != time.Friday {
		t.Fatalf("%v is not a Friday", start)
	}
	got := h.Add(start, 2*time.Hour, loc)
	want := time.Date(2024, 5, 13, 10, 0, 0, 0, loc)
	if !got.Equal(want) {
		t.Fatalf("Friday 17:00 + 2h = %v, want Monday 10:00 (%v)", got.In(loc), want)
	}
	if e := h.Elapsed(start, got, loc); e != 2*time.Hour {
		t.Fatalf("elapsed back = %v", e)
	}
	// Exactly at closing time the next open minute is Monday's first.
	if got := h.Add(time.Date(2024, 5, 10, 9, 0, 0, 0, loc), 9*time.Hour, loc); !got.Equal(time.Date(2024, 5, 10, 18, 0, 0, 0, loc)) {
		t.Fatalf("a full Friday ends at %v", got.In(loc))
	}
	if got := h.Add(start, 0, loc); !got.Equal(start) {
		t.Fatalf("+0 moved to %v", got)
	}
}

func TestOpenAtAndNextOpen(t *testing.T) {
	loc := zone(t, "America/Sao_Paulo")
	h := weekdays("09:00", "18:00")
	h.Days[time.Saturday] = Day{Open: true, AllDay: true}
	cases := []struct {
		at   time.Time
		open bool
		next time.Time
	}{
		{time.Date(2024, 5, 13, 8, 59, 0, 0, loc), false, time.Date(2024, 5, 13, 9, 0, 0, 0, loc)},
		{time.Date(2024, 5, 13, 9, 0, 0, 0, loc), true, time.Date(2024, 5, 13, 9, 0, 0, 0, loc)},
		{time.Date(2024, 5, 13, 17, 59, 0, 0, loc), true, time.Date(2024, 5, 13, 17, 59, 0, 0, loc)},
		{time.Date(2024, 5, 13, 18, 0, 0, 0, loc), false, time.Date(2024, 5, 14, 9, 0, 0, 0, loc)},
		// Friday night: Saturday is open all day from midnight.
		{time.Date(2024, 5, 10, 22, 0, 0, 0, loc), false, time.Date(2024, 5, 11, 0, 0, 0, 0, loc)},
		{time.Date(2024, 5, 11, 23, 59, 0, 0, loc), true, time.Date(2024, 5, 11, 23, 59, 0, 0, loc)},
		// Sunday is closed: Monday 09:00.
		{time.Date(2024, 5, 12, 12, 0, 0, 0, loc), false, time.Date(2024, 5, 13, 9, 0, 0, 0, loc)},
	}
	for _, c := range cases {
		if got := h.OpenAt(c.at, loc); got != c.open {
			t.Errorf("OpenAt(%v) = %v", c.at, got)
		}
		if got := h.NextOpen(c.at, loc); !got.Equal(c.next) {
			t.Errorf("NextOpen(%v) = %v, want %v", c.at, got.In(loc), c.next)
		}
	}
	// The same hours read in another zone are other instants: 09:00 in São Paulo is 13:00 in
	// Lisbon in May, so 17:30 there is after closing.
	lis := zone(t, "Europe/Lisbon")
	at := time.Date(2024, 5, 13, 17, 30, 0, 0, loc)
	if h.OpenAt(at, lis) == h.OpenAt(at, loc) {
		t.Error("the time zone changed nothing")
	}
}

func TestClosedAllWeekNeverOpens(t *testing.T) {
	loc := zone(t, "Europe/Lisbon")
	h := BusinessHours{Enabled: true}
	h.Days[time.Monday] = Day{Open: true, From: "18:00", To: "09:00"} // unusable: never saved, never open
	now := time.Date(2024, 5, 13, 10, 0, 0, 0, loc)
	if h.OpenAt(now, loc) {
		t.Error("open while closed all week")
	}
	if got := h.NextOpen(now, loc); !got.IsZero() {
		t.Errorf("NextOpen = %v, want zero", got)
	}
	if got := h.Add(now, time.Hour, loc); !got.IsZero() {
		t.Errorf("Add = %v, want zero (never due)", got)
	}
	if got := h.Elapsed(now, now.Add(72*time.Hour), loc); got != 0 {
		t.Errorf("Elapsed = %v", got)
	}
}

func TestDisabledHoursAreThePlainClock(t *testing.T) {
	loc := zone(t, "Europe/Lisbon")
	h := BusinessHours{} // off, and no day open: off wins
	now := time.Date(2024, 5, 12, 3, 0, 0, 0, loc)
	if !h.OpenAt(now, loc) || !h.NextOpen(now, loc).Equal(now) {
		t.Error("off means always open")
	}
	if got := h.Add(now, 90*time.Minute, loc); !got.Equal(now.Add(90 * time.Minute)) {
		t.Errorf("Add = %v", got)
	}
	if got := h.Elapsed(now, now.Add(50*time.Hour), loc); got != 50*time.Hour {
		t.Errorf("Elapsed = %v", got)
	}
}

// TestLisbonDST: the clocks go forward on the last Sunday of March (01:00 → 02:00) and back on
// the last Sunday of October (02:00 → 01:00). Opening hours are wall-clock hours on both sides
// and an all-day Sunday lasts 23 and 25 hours.
func TestLisbonDST(t *testing.T) {
	loc := zone(t, "Europe/Lisbon")
	daily := everyDay(Day{Open: true, From: "09:00", To: "18:00"})
	// Saturday 17:00 (UTC+0) + 2h → Sunday 10:00 summer time, which is 09:00 UTC.
	got := daily.Add(time.Date(2024, 3, 30, 17, 0, 0, 0, loc), 2*time.Hour, loc)
	if want := time.Date(2024, 3, 31, 10, 0, 0, 0, loc); !got.Equal(want) || got.UTC().Hour() != 9 {
		t.Fatalf("spring: %v, want %v (09:00 UTC)", got, want)
	}
	// Saturday 17:00 (summer time) + 2h → Sunday 10:00 winter time, which is 10:00 UTC.
	got = daily.Add(time.Date(2024, 10, 26, 17, 0, 0, 0, loc), 2*time.Hour, loc)
	if want := time.Date(2024, 10, 27, 10, 0, 0, 0, loc); !got.Equal(want) || got.UTC().Hour() != 10 {
		t.Fatalf("autumn: %v, want %v (10:00 UTC)", got, want)
	}

	allDay := everyDay(Day{Open: true, AllDay: true})
	for _, c := range []struct {
		day  time.Time
		want time.Duration
	}{
		{time.Date(2024, 3, 31, 0, 0, 0, 0, loc), 23 * time.Hour},
		{time.Date(2024, 10, 27, 0, 0, 0, 0, loc), 25 * time.Hour},
		{time.Date(2024, 5, 12, 0, 0, 0, 0, loc), 24 * time.Hour},
	} {
		next := time.Date(c.day.Year(), c.day.Month(), c.day.Day()+1, 0, 0, 0, 0, loc)
		if got := allDay.Elapsed(c.day, next, loc); got != c.want {
			t.Errorf("%s: %v open, want %v", c.day.Format(time.DateOnly), got, c.want)
		}
		// Only Sundays open: the whole open time of that week is the one day.
		sundays := BusinessHours{Enabled: true}
		sundays.Days[time.Sunday] = Day{Open: true, AllDay: true}
		if c.day.Weekday() == time.Sunday {
			if got := sundays.Elapsed(c.day.AddDate(0, 0, -3), c.day.AddDate(0, 0, 3), loc); got != c.want {
				t.Errorf("%s as the only open day: %v", c.day.Format(time.DateOnly), got)
			}
		}
	}
	// Open until midnight ("24:00") across the autumn change: Saturday 20:00–24:00 is 4h.
	late := BusinessHours{Enabled: true}
	late.Days[time.Saturday] = Day{Open: true, From: "20:00", To: "24:00"}
	sat := time.Date(2024, 10, 26, 0, 0, 0, 0, loc)
	if got := late.Elapsed(sat, sat.AddDate(0, 0, 2), loc); got != 4*time.Hour {
		t.Errorf("Saturday evening: %v", got)
	}
}

// TestSaoPauloDST: Brazil has had no daylight saving time since 2019, but Go's zone data still
// knows the 2018 change, when the clocks skipped midnight (00:00 → 01:00 on 4 November 2018)
// and fell back at midnight on 17 February 2019.
func TestSaoPauloDST(t *testing.T) {
	loc := zone(t, "America/Sao_Paulo")
	allDay := everyDay(Day{Open: true, AllDay: true})
	skipped := time.Date(2018, 11, 3, 12, 0, 0, 0, loc) // Saturday noon
	// From Saturday noon to Monday midnight: 12h + a 23-hour Sunday.
	monday := time.Date(2018, 11, 5, 0, 0, 0, 0, loc)
	if got := allDay.Elapsed(skipped, monday, loc); got != 35*time.Hour {
		t.Errorf("across the skipped midnight: %v, want 35h", got)
	}
	// Sunday alone opens when the clocks jump, at 01:00 summer time (03:00 UTC).
	sundays := BusinessHours{Enabled: true}
	sundays.Days[time.Sunday] = Day{Open: true, AllDay: true}
	next := sundays.NextOpen(skipped, loc)
	if !next.Equal(time.Date(2018, 11, 4, 3, 0, 0, 0, time.UTC)) {
		t.Errorf("Sunday opens at %v, want 03:00 UTC", next.UTC())
	}
	if got := sundays.Elapsed(skipped, monday, loc); got != 23*time.Hour {
		t.Errorf("the short Sunday: %v", got)
	}
	// 17 February 2019: Saturday has 25 hours.
	sat := time.Date(2019, 2, 16, 0, 0, 0, 0, loc)
	if got := allDay.Elapsed(sat, time.Date(2019, 2, 17, 0, 0, 0, 0, loc), loc); got != 25*time.Hour {
		t.Errorf("the long Saturday: %v", got)
	}
	// Today: UTC-3 all year, so 09:00 is 12:00 UTC in January and in July.
	h := weekdays("09:00", "18:00")
	for _, month := range []time.Month{time.January, time.July} {
		open := h.NextOpen(time.Date(2024, month, 8, 6, 0, 0, 0, loc), loc)
		if open.UTC().Hour() != 12 {
			t.Errorf("%v opens at %v UTC", month, open.UTC())
		}
	}
}

// TestAddElapsedRoundTrip: whatever the start and the duration, the open time between a start
// and its due instant is the duration, and the due instant is open (or the closing instant).
func TestAddElapsedRoundTrip(t *testing.T) {
	for _, name := range []string{"Europe/Lisbon", "America/Sao_Paulo", "UTC"} {
		loc := zone(t, name)
		h := weekdays("08:30", "12:00")
		h.Days[time.Monday] = Day{Open: true, AllDay: true}
		h.Days[time.Saturday] = Day{Open: true, From: "10:15", To: "24:00"}
		for _, base := range []time.Time{
			time.Date(2024, 3, 27, 0, 0, 0, 0, loc), time.Date(2024, 10, 23, 0, 0, 0, 0, loc),
			time.Date(2018, 10, 31, 0, 0, 0, 0, loc), time.Date(2019, 2, 13, 0, 0, 0, 0, loc),
		} {
			for off := time.Duration(0); off < 8*24*time.Hour; off += 97 * time.Minute {
				start := base.Add(off)
				for _, d := range []time.Duration{time.Minute, 45 * time.Minute, 3 * time.Hour, 26 * time.Hour, 100 * time.Hour} {
					due := h.Add(start, d, loc)
					if due.Before(start) {
						t.Fatalf("%s: %v + %v = %v, before the start", name, start, d, due)
					}
					if got := h.Elapsed(start, due, loc); got != d {
						t.Fatalf("%s: Elapsed(%v, Add(+%v) = %v) = %v", name, start, d, due, got)
					}
					if !h.OpenAt(due.Add(-time.Second), loc) {
						t.Fatalf("%s: %v + %v = %v, which ends no open time", name, start, d, due)
					}
				}
			}
		}
	}
}
