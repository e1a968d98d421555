package tasks

// Recurrence: how the next occurrence of a repeating task is found and made.
//
// Calls the rest of the package makes into this file (B1's task code):
//   - validation: checkRecurrence(in.Recurrence, &fe) with the input;
//   - applying input: applyRecurrence(t, in.Recurrence) instead of assigning t.Recurrence, so an
//     empty freq removes the rule and a client's "anchor" is ignored;
//   - after the Put of a task whose Recurrence is non-nil (create, or an update that set or
//     changed the rule or moved the due date), before emitting its event:
//     s.recurrenceSetTx(tx, t) — gives the first task of a series SeriesID = its id and
//     Occurrence 1, and keeps Recurrence.Anchor on the first occurrence's due time;
//   - after the Put of a task that moved into done, before emitting task_updated/task_completed:
//     s.completedTx(tx, actor, t) — makes the next occurrence once, ever;
//   - for TaskDetail.Upcoming and the calendar's projections: s.upcomingTx(tx, t, n).
//
// The rule is evaluated in the account's time zone with DTSTART = the anchor, so the wall-clock
// time stays put across daylight-saving changes (09:00 in Lisbon is 09:00 in winter and summer).
// A local time that does not exist on a given day (01:30 on the night Lisbon jumps from 01:00 to
// 02:00) moves forward by the gap, as time.Date does it for Lisbon (02:30 that day only; the next
// day is 01:30 again) — see inZone.

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
	"github.com/teambition/rrule-go"
)

// Recurrence frequencies.
var frequencies = map[string]rrule.Frequency{
	"daily": rrule.DAILY, "weekly": rrule.WEEKLY, "monthly": rrule.MONTHLY, "yearly": rrule.YEARLY,
}

// Weekday codes in RRULE spelling.
var weekdayCodes = map[string]rrule.Weekday{
	"MO": rrule.MO, "TU": rrule.TU, "WE": rrule.WE, "TH": rrule.TH, "FR": rrule.FR, "SA": rrule.SA, "SU": rrule.SU,
}

// Bounds of a rule: an interval of more than a year of periods or more than a thousand
// occurrences is a typo, not a plan.
const (
	maxRecurInterval = 365
	maxRecurCount    = 1000
	// maxRecurSteps bounds how many rule dates one computation walks (a daily series completed
	// decades late); past it the series is treated as ended rather than looping.
	maxRecurSteps = 200000
)

// checkRecurrence validates a recurrence input, adding errors under "recurrence.<field>".
// A nil rule and an empty freq (which removes the rule on PATCH) are valid.
func checkRecurrence(r *Recurrence, fe *apperr.Fields) {
	if r == nil || r.Freq == "" {
		return
	}
	if _, ok := frequencies[r.Freq]; !ok {
		fe.Add("recurrence.freq", "must be daily, weekly, monthly or yearly")
	}
	if r.Interval < 0 || r.Interval > maxRecurInterval {
		fe.Add("recurrence.interval", fmt.Sprintf("must be between 1 and %d", maxRecurInterval))
	}
	if len(r.Weekdays) > 0 && r.Freq != "weekly" {
		fe.Add("recurrence.weekdays", "only weekly rules take weekdays")
	}
	for _, d := range r.Weekdays {
		if _, ok := weekdayCodes[strings.ToUpper(d)]; !ok {
			fe.Add("recurrence.weekdays", fmt.Sprintf("%q is not one of MO TU WE TH FR SA SU", d))
			break
		}
	}
	if r.Until != "" {
		if _, err := time.Parse(time.DateOnly, r.Until); err != nil {
			fe.Add("recurrence.until", "must be a date like 2026-12-31")
		}
	}
	if r.Count < 0 || r.Count > maxRecurCount {
		fe.Add("recurrence.count", fmt.Sprintf("must be between 1 and %d", maxRecurCount))
	}
	if r.Until != "" && r.Count > 0 {
		fe.Add("recurrence.until", "give an end date or a count, not both")
	}
}

// applyRecurrence puts a validated input rule on t: an empty freq removes the rule; otherwise
// the rule is normalised and keeps the anchor t already had (clients cannot set it).
func applyRecurrence(t *Task, in *Recurrence) {
	if in == nil {
		return
	}
	if in.Freq == "" {
		t.Recurrence = nil
		return
	}
	r := &Recurrence{Freq: in.Freq, Interval: in.Interval, Until: in.Until, Count: in.Count}
	if r.Interval == 0 {
		r.Interval = 1
	}
	for _, d := range in.Weekdays {
		if d = strings.ToUpper(d); !slices.Contains(r.Weekdays, d) {
			r.Weekdays = append(r.Weekdays, d)
		}
	}
	if t.Recurrence != nil {
		r.Anchor = t.Recurrence.Anchor
	}
	t.Recurrence = r
}

// recurrenceSetTx runs after the Put of a task that has a rule: the first task of a series gets
// SeriesID = its own id and Occurrence 1, and the anchor follows the first occurrence's due time
// (a later occurrence keeps the anchor it was cloned with). It stores t again only when it
// changed something.
func (s *Service) recurrenceSetTx(tx *storage.Tx, t *Task) error {
	if t.Recurrence == nil || t.ID == 0 {
		return nil
	}
	changed := false
	if t.SeriesID == 0 {
		t.SeriesID, t.Occurrence = t.ID, 1
		changed = true
	}
	if t.DueAt != nil {
		due := t.DueAt.UTC()
		if t.Recurrence.Anchor == nil || (t.Occurrence == 1 && !t.Recurrence.Anchor.Equal(due)) {
			t.Recurrence.Anchor = &due
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return Tasks.Put(tx, t)
}

// series is a rule ready to evaluate in one time zone from its anchor (occurrence 1). The rule
// runs on "floating" wall-clock times (the local fields read as UTC, where no day is 23 or 25
// hours long) and each date is put back in the zone with time.Date: rrule-go's own day
// arithmetic misbehaves on days that have no local midnight (São Paulo's DST start), and this
// way a missing local time is normalised exactly as time.Date documents.
type series struct {
	rule   *rrule.RRule
	loc    *time.Location
	anchor time.Time // in the zone
	count  int
	allDay bool
}

// floating reads t's wall-clock fields in loc as a UTC time.
func floating(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// inZone puts floating wall-clock fields back into loc. A wall-clock time that does not exist
// that day (in a daylight-saving gap) is read with the offset in force before the gap, so it
// moves forward by the gap's length: 01:30 on Lisbon's spring-forward night is 02:30, 00:30 on
// São Paulo's 2018-11-04 is 01:30. (time.Date alone picks either side, and for São Paulo it
// gives 23:30 the day before.)
func inZone(f time.Time, loc *time.Location) time.Time {
	d := time.Date(f.Year(), f.Month(), f.Day(), f.Hour(), f.Minute(), f.Second(), 0, loc)
	if floating(d, loc).Equal(f) {
		return d
	}
	_, before := time.Date(f.Year(), f.Month(), f.Day()-1, f.Hour(), f.Minute(), f.Second(), 0, loc).Zone()
	return f.Add(-time.Duration(before) * time.Second).In(loc)
}

// newSeries builds the rule of r in loc starting at anchor. Month ends: an anchor on the 29th,
// 30th or 31st repeats on that day or, in a shorter month, on the month's last day (BYMONTHDAY
// 28..d with BYSETPOS -1), so Jan 31 → Feb 28 → Mar 31; a yearly Feb 29 falls on Feb 28 in
// common years.
func newSeries(r *Recurrence, loc *time.Location, anchor time.Time, allDay bool) (*series, error) {
	freq, ok := frequencies[r.Freq]
	if !ok {
		return nil, apperr.Field("recurrence.freq", "must be daily, weekly, monthly or yearly")
	}
	anchor = anchor.In(loc).Truncate(time.Second)
	opt := rrule.ROption{Freq: freq, Dtstart: floating(anchor, loc), Interval: max(r.Interval, 1), Wkst: rrule.MO}
	day := anchor.Day()
	switch {
	case freq == rrule.WEEKLY && len(r.Weekdays) > 0:
		for _, d := range r.Weekdays {
			if w, ok := weekdayCodes[strings.ToUpper(d)]; ok {
				opt.Byweekday = append(opt.Byweekday, w)
			}
		}
	case freq == rrule.MONTHLY && day >= 29:
		for d := 28; d <= day; d++ {
			opt.Bymonthday = append(opt.Bymonthday, d)
		}
		opt.Bysetpos = []int{-1}
	case freq == rrule.YEARLY && anchor.Month() == time.February && day == 29:
		opt.Bymonth = []int{2}
		opt.Bymonthday = []int{28, 29}
		opt.Bysetpos = []int{-1}
	}
	if r.Until != "" {
		u, err := time.ParseInLocation(time.DateOnly, r.Until, loc)
		if err != nil {
			return nil, apperr.Field("recurrence.until", "must be a date like 2026-12-31")
		}
		// Inclusive: the whole of that day in the account's zone.
		opt.Until = time.Date(u.Year(), u.Month(), u.Day(), 23, 59, 59, 0, time.UTC)
	}
	rule, err := rrule.NewRRule(opt)
	if err != nil {
		return nil, apperr.Field("recurrence", err.Error())
	}
	return &series{rule: rule, loc: loc, anchor: anchor, count: r.Count, allDay: allDay}, nil
}

// walk calls fn with each occurrence after the anchor and its number (the anchor is 1), in
// order, until fn returns false or the series ends (count, until).
func (sr *series) walk(fn func(d time.Time, n int) bool) {
	next := sr.rule.Iterator()
	start := floating(sr.anchor, sr.loc)
	n := 1
	for step := 0; step < maxRecurSteps; step++ {
		f, ok := next()
		if !ok {
			return
		}
		if !f.After(start) {
			continue
		}
		d := inZone(f, sr.loc)
		n++
		if sr.count > 0 && n > sr.count {
			return
		}
		if !fn(d, n) {
			return
		}
	}
}

// nextAfter is the first occurrence strictly after cur that is not before notBefore (missed
// dates are skipped, though they still count toward the rule's count); ok is false when the
// series has ended.
func (sr *series) nextAfter(cur, notBefore time.Time) (next time.Time, ok bool) {
	sr.walk(func(d time.Time, _ int) bool {
		if d.After(cur) && !d.Before(notBefore) {
			next, ok = d, true
			return false
		}
		return true
	})
	return next, ok
}

// upcoming lists up to n occurrences strictly after `after`.
func (sr *series) upcoming(after time.Time, n int) []time.Time {
	out := []time.Time{}
	if n <= 0 {
		return out
	}
	sr.walk(func(d time.Time, _ int) bool {
		if d.After(after) {
			out = append(out, d.UTC())
		}
		return len(out) < n
	})
	return out
}

// recurLocalDay is 00:00 of t's date in loc.
func recurLocalDay(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// recurZone is the account's time zone (UTC when the account cannot be read).
func recurZone(tx *storage.Tx, account uint64) *time.Location {
	a, err := accounts.Accounts.Get(tx, 0, account)
	if err != nil {
		return time.UTC
	}
	return a.Location()
}

// seriesOf builds the series of a task: from its anchor, or its due time, or — a task without a
// due date — the local date of `fallback` (so "set a due date on the template task" anchors it).
func seriesOf(t *Task, loc *time.Location, fallback time.Time) (*series, error) {
	var anchor time.Time
	allDay := t.AllDay
	switch {
	case t.Recurrence.Anchor != nil:
		anchor = *t.Recurrence.Anchor
	case t.DueAt != nil:
		anchor = *t.DueAt
	default:
		anchor, allDay = recurLocalDay(fallback, loc), true
	}
	return newSeries(t.Recurrence, loc, anchor, allDay)
}

// completedTx runs after a task moved into done and was stored: for a recurring task it makes
// the next occurrence, once ever. NextID on the task and the unique "series" index (series id,
// occurrence) make a second completion, a retry or a restart find the occurrence already made.
func (s *Service) completedTx(tx *storage.Tx, actor access.Actor, t *Task) error {
	if t.Recurrence == nil || t.NextID != 0 {
		return nil
	}
	if t.SeriesID == 0 {
		t.SeriesID, t.Occurrence = t.ID, 1
	}
	if t.Occurrence == 0 {
		t.Occurrence = 1
	}
	loc := recurZone(tx, t.AccountID)
	done := s.now()
	if t.CompletedAt != nil {
		done = *t.CompletedAt
	}
	sr, err := seriesOf(t, loc, done)
	if err != nil {
		return err
	}
	if t.Recurrence.Anchor == nil {
		a := sr.anchor.UTC()
		t.Recurrence.Anchor = &a
	}
	cur := sr.anchor
	if t.DueAt != nil {
		cur = *t.DueAt
	}
	// An all-day occurrence due today is still today's, whatever the hour of completion.
	notBefore := done
	if sr.allDay {
		notBefore = recurLocalDay(done, loc)
	}
	next, ok := sr.nextAfter(cur, notBefore)
	if !ok {
		return Tasks.Put(tx, t) // the series has ended; keep the series fields stored
	}
	occurrence := t.Occurrence + 1
	if made, err := Tasks.GetBy(tx, t.AccountID, "series", seriesKey(t.SeriesID, occurrence)); err == nil {
		t.NextID = made.ID
		return Tasks.Put(tx, t)
	} else if !apperr.Is(err, apperr.NotFound) {
		return err
	}

	n := cloneOccurrence(t, next.UTC(), cur, occurrence)
	if err := s.insertTx(tx, actor, n); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			if made, err2 := Tasks.GetBy(tx, t.AccountID, "series", seriesKey(t.SeriesID, occurrence)); err2 == nil {
				t.NextID = made.ID
				return Tasks.Put(tx, t)
			}
		}
		return err
	}
	if t.DueAt != nil {
		if err := s.cloneRemindersTx(tx, t, n, next.Sub(*t.DueAt)); err != nil {
			return err
		}
	}
	t.NextID = n.ID
	return Tasks.Put(tx, t)
}

func seriesKey(series uint64, occurrence int) []byte {
	return storage.Key(storage.Uint(series), storage.Uint(uint64(occurrence)))
}

// cloneOccurrence is the next task of t's series, due at next: the same work (title,
// description, priority, list, parent, assignees, labels, attributes, links, rule, checklist
// undone), dates shifted by the same amount, in to do. Subtasks, dependencies and SLA are not
// carried over: they belong to the occurrence.
func cloneOccurrence(t *Task, next, cur time.Time, occurrence int) *Task {
	delta := next.Sub(cur)
	n := &Task{
		AccountID: t.AccountID, ListID: t.ListID, ParentID: t.ParentID,
		Title: t.Title, Description: t.Description, Status: StatusTodo, Priority: t.Priority,
		AssigneeIDs: slices.Clone(t.AssigneeIDs), CreatorID: t.CreatorID,
		Labels: slices.Clone(t.Labels), CustomAttributes: maps.Clone(t.CustomAttributes),
		ContactID: t.ContactID, ConversationID: t.ConversationID, DealID: t.DealID, CompanyID: t.CompanyID,
		SeriesID: t.SeriesID, Occurrence: occurrence,
	}
	due := next
	n.DueAt = &due
	n.AllDay = t.AllDay || t.DueAt == nil
	if t.StartAt != nil && t.DueAt != nil {
		start := t.StartAt.Add(delta)
		n.StartAt = &start
	}
	rule := *t.Recurrence
	rule.Weekdays = slices.Clone(t.Recurrence.Weekdays)
	if rule.Anchor != nil {
		a := *rule.Anchor
		rule.Anchor = &a
	}
	n.Recurrence = &rule
	for _, it := range t.Checklist {
		it.Done = false
		n.Checklist = append(n.Checklist, it)
	}
	return n
}

// upcomingTx lists the next n dates of a recurring task's series after its due date (after now
// for a task without one), for the task drawer and the calendar's projections.
func (s *Service) upcomingTx(tx *storage.Tx, t *Task, n int) []time.Time {
	if t.Recurrence == nil || n <= 0 {
		return []time.Time{}
	}
	now := s.now()
	sr, err := seriesOf(t, recurZone(tx, t.AccountID), now)
	if err != nil {
		return []time.Time{}
	}
	after := now
	if t.DueAt != nil {
		after = *t.DueAt
	}
	return sr.upcoming(after, n)
}

// RecurrencePreviewInput is a rule to try out before saving it.
type RecurrencePreviewInput struct {
	Recurrence *Recurrence `json:"recurrence" required:"true"`
	// DueAt is the first occurrence (RFC 3339, or YYYY-MM-DD for an all-day date); now when
	// absent.
	DueAt string `json:"due_at,omitempty"`
}

// RecurrencePreview are the next dates a rule gives.
type RecurrencePreview struct {
	Dates []time.Time `json:"dates"`
}

// PreviewRecurrence lists the next five dates of a rule after due_at (or after now) in the
// account's time zone, so the form can show "next: Mon 3, Wed 5, …" before saving.
func (s *Service) PreviewRecurrence(ctx context.Context, actor access.Actor, in RecurrencePreviewInput) (*RecurrencePreview, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	var fe apperr.Fields
	if in.Recurrence == nil || in.Recurrence.Freq == "" {
		fe.Add("recurrence.freq", "is required")
	}
	checkRecurrence(in.Recurrence, &fe)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	out := &RecurrencePreview{}
	err := s.db.View(func(tx *storage.Tx) error {
		loc := recurZone(tx, actor.AccountID)
		now := s.now()
		t := &Task{AccountID: actor.AccountID}
		applyRecurrence(t, in.Recurrence)
		if in.DueAt != "" {
			due, allDay, err := previewWhen(in.DueAt, loc)
			if err != nil {
				return apperr.Field("due_at", "must be an RFC 3339 time or a date like 2026-12-31")
			}
			t.DueAt, t.AllDay = &due, allDay
		}
		sr, err := seriesOf(t, loc, now)
		if err != nil {
			return err
		}
		after := now
		if t.DueAt != nil {
			after = *t.DueAt
		}
		out.Dates = sr.upcoming(after, 5)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// previewWhen reads an RFC 3339 time, or a YYYY-MM-DD date meaning 00:00 of that day in loc (all
// day).
func previewWhen(v string, loc *time.Location) (time.Time, bool, error) {
	if d, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		return d.UTC(), true, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, false, err
	}
	return t.UTC(), false, nil
}
