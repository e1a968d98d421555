package tasks

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/notify"
	"github.com/parleyhq/parley/app/scheduler"
	"github.com/parleyhq/parley/storage"
)

// Task SLA: a policy gives a new task a time to start and/or a time to finish, counted from its
// creation in calendar time — business hours are not taken into account (a 60-minute target set
// on Friday evening is missed on Friday evening). A durable scheduler job per target marks the
// breach and tells the assignees; the job's writes commit with its completion, so a breach is
// recorded and notified once.

// JobSLA is the scheduler kind of SLA checks.
const JobSLA = "task_sla"

// MaxSLAMinutes caps a target at a year.
const MaxSLAMinutes = 525600

// NotifySLABreached is the notification type sent to assignees when a target is missed.
const NotifySLABreached = "task_sla_breached"

// EventSLAPolicyChanged tells open settings pages that a task SLA policy changed.
const EventSLAPolicyChanged = "task_sla_policy_changed"

// TaskSLAPolicyInput creates (POST) or changes (PATCH: absent fields stay) a task SLA policy.
type TaskSLAPolicyInput struct {
	Name          *string `json:"name,omitempty" maxLength:"80"`
	ListID        *uint64 `json:"list_id,omitempty" doc:"only tasks of this list; 0 = any list"`
	Priority      *string `json:"priority,omitempty" doc:"only tasks of this priority; empty = any"`
	StartMinutes  *int    `json:"start_minutes,omitempty" doc:"minutes from creation to start (0 = no target)"`
	FinishMinutes *int    `json:"finish_minutes,omitempty" doc:"minutes from creation to finish (0 = no target)"`
	Enabled       *bool   `json:"enabled,omitempty"`
	Position      *int    `json:"position,omitempty" doc:"lower positions are tried first"`
}

// slaPayload is what an SLA job carries: which task and which target.
type slaPayload struct {
	TaskID uint64 `json:"task_id"`
	Target string `json:"target"` // start or finish
}

func slaKey(id uint64, target string) string { return fmt.Sprintf("task_sla:%d:%s", id, target) }

// SLAPolicies lists the account's policies in the order they are tried.
func (s *Service) SLAPolicies(ctx context.Context, actor access.Actor) ([]SLAPolicy, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	var out []SLAPolicy
	err := s.db.View(func(tx *storage.Tx) (err error) {
		out, err = policiesTx(tx, actor.AccountID)
		return err
	})
	return out, err
}

// policiesTx is every policy of the account by position (then id).
func policiesTx(tx *storage.Tx, account uint64) ([]SLAPolicy, error) {
	out := []SLAPolicy{}
	err := SLAPolicies.Each(tx, account, storage.Query{}, func(p *SLAPolicy) bool { out = append(out, *p); return true })
	slices.SortStableFunc(out, func(a, b SLAPolicy) int { return cmp.Or(cmp.Compare(a.Position, b.Position), cmp.Compare(a.ID, b.ID)) })
	return out, err
}

// CreateSLAPolicy adds a policy (administrators), last in order unless a position is given.
func (s *Service) CreateSLAPolicy(ctx context.Context, actor access.Actor, in TaskSLAPolicyInput) (*SLAPolicy, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	now := s.now()
	p := &SLAPolicy{AccountID: actor.AccountID, Enabled: true, CreatedAt: now, UpdatedAt: now}
	err := s.db.Update(func(tx *storage.Tx) error {
		p.Position = SLAPolicies.Len(tx, actor.AccountID)
		if err := checkPolicy(tx, in, p, true); err != nil {
			return err
		}
		if err := SLAPolicies.Put(tx, p); err != nil {
			return policyNameTaken(err)
		}
		return emitPolicyTx(tx, actor, p)
	})
	return p, err
}

// UpdateSLAPolicy changes a policy (administrators). Tasks keep the targets they were given.
func (s *Service) UpdateSLAPolicy(ctx context.Context, actor access.Actor, id uint64, in TaskSLAPolicyInput) (*SLAPolicy, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	var p *SLAPolicy
	err := s.db.Update(func(tx *storage.Tx) (err error) {
		if p, err = SLAPolicies.Get(tx, actor.AccountID, id); err != nil {
			return err
		}
		if err := checkPolicy(tx, in, p, false); err != nil {
			return err
		}
		p.UpdatedAt = s.now()
		if err := SLAPolicies.Put(tx, p); err != nil {
			return policyNameTaken(err)
		}
		return emitPolicyTx(tx, actor, p)
	})
	return p, err
}

// DeleteSLAPolicy removes a policy (administrators); tasks keep their targets and jobs.
func (s *Service) DeleteSLAPolicy(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.RequireAdmin(); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		p, err := SLAPolicies.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if err := SLAPolicies.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		return emitPolicyTx(tx, actor, p)
	})
}

func emitPolicyTx(tx *storage.Tx, actor access.Actor, p *SLAPolicy) error {
	return tx.EmitData(storage.Event{Account: p.AccountID, Type: EventSLAPolicyChanged, Entity: SLAPolicies.Name(), ID: p.ID, Actor: actor.UserID}, p)
}

func policyNameTaken(err error) error {
	if apperr.Is(err, apperr.Conflict) {
		return apperr.Field("name", "is already used by another policy")
	}
	return err
}

// checkPolicy validates in onto p; create requires a name.
func checkPolicy(tx *storage.Tx, in TaskSLAPolicyInput, p *SLAPolicy, create bool) error {
	var fe apperr.Fields
	if in.Name != nil || create {
		name := ""
		if in.Name != nil {
			name = strings.TrimSpace(*in.Name)
		}
		switch n := len([]rune(name)); {
		case n == 0:
			fe.Add("name", "is required")
		case n > 80:
			fe.Add("name", "must be at most 80 characters")
		}
		p.Name = name
	}
	if in.ListID != nil {
		p.ListID = *in.ListID
		if p.ListID != 0 && !Lists.Exists(tx, p.AccountID, p.ListID) {
			fe.Add("list_id", fmt.Sprintf("list %d not found", p.ListID))
		}
	}
	if in.Priority != nil {
		p.Priority = strings.TrimSpace(*in.Priority)
		if p.Priority != "" && !slices.Contains(Priorities, p.Priority) {
			fe.Add("priority", "must be none, low, medium, high or urgent")
		}
	}
	minutes := func(field string, v *int, dst *int) {
		if v == nil {
			return
		}
		if *v < 0 || *v > MaxSLAMinutes {
			fe.Add(field, fmt.Sprintf("must be between 0 and %d minutes", MaxSLAMinutes))
		}
		*dst = *v
	}
	minutes("start_minutes", in.StartMinutes, &p.StartMinutes)
	minutes("finish_minutes", in.FinishMinutes, &p.FinishMinutes)
	if p.StartMinutes <= 0 && p.FinishMinutes <= 0 && fe.Err() == nil {
		fe.Add("start_minutes", "set a time to start or a time to finish")
	}
	if in.Enabled != nil {
		p.Enabled = *in.Enabled
	}
	if in.Position != nil {
		if *in.Position < 0 {
			fe.Add("position", "must not be negative")
		}
		p.Position = *in.Position
	}
	return fe.Err()
}

// matchPolicyTx is the first enabled policy by position that fits the task (nil: none).
func matchPolicyTx(tx *storage.Tx, t *Task) (*SLAPolicy, error) {
	all, err := policiesTx(tx, t.AccountID)
	if err != nil {
		return nil, err
	}
	for i := range all {
		p := &all[i]
		if p.Enabled && (p.ListID == 0 || p.ListID == t.ListID) && (p.Priority == "" || p.Priority == t.Priority) && (p.StartMinutes > 0 || p.FinishMinutes > 0) {
			return p, nil
		}
	}
	return nil, nil
}

// registerSLAJobs registers the scheduler kind that marks missed SLA targets.
func (s *Service) registerSLAJobs() { s.jobs.Handle(JobSLA, s.slaJob) }

// slaPrepareTx runs before every write of a task (prev is nil on create): it sets the targets
// of a new task from the matching policy and keeps the breach jobs in step with its status.
func (s *Service) slaPrepareTx(tx *storage.Tx, prev, t *Task) error {
	if prev == nil {
		// A clone (a recurrence's next occurrence) gets fresh targets of its own.
		t.SLA = nil
		p, err := matchPolicyTx(tx, t)
		if err != nil || p == nil {
			return err
		}
		t.SLA = &SLA{PolicyID: p.ID}
		if p.StartMinutes > 0 {
			at := t.CreatedAt.Add(time.Duration(p.StartMinutes) * time.Minute).UTC()
			t.SLA.StartBy = &at
		}
		if p.FinishMinutes > 0 {
			at := t.CreatedAt.Add(time.Duration(p.FinishMinutes) * time.Minute).UTC()
			t.SLA.FinishBy = &at
		}
		return nil
	}
	if t.SLA == nil || s.jobs == nil || t.ID == 0 {
		return nil
	}
	switch {
	case t.Closed():
		if err := s.jobs.Cancel(tx, t.AccountID, slaKey(t.ID, "start")); err != nil {
			return err
		}
		return s.jobs.Cancel(tx, t.AccountID, slaKey(t.ID, "finish"))
	case prev.Closed():
		// Reopened: the targets still ahead run again.
		now := s.now()
		if t.SLA.StartBy != nil && t.StartedAt == nil && t.SLA.StartBreachedAt == nil && t.SLA.StartBy.After(now) {
			if err := s.scheduleSLATx(tx, t, "start", *t.SLA.StartBy); err != nil {
				return err
			}
		}
		if t.SLA.FinishBy != nil && t.SLA.FinishBreachedAt == nil && t.SLA.FinishBy.After(now) {
			return s.scheduleSLATx(tx, t, "finish", *t.SLA.FinishBy)
		}
	case t.StartedAt != nil && prev.StartedAt == nil:
		return s.jobs.Cancel(tx, t.AccountID, slaKey(t.ID, "start"))
	}
	return nil
}

// slaScheduledTx schedules the breach jobs of a task just stored with SLA targets (its id is
// known only after the Put, so insertTx calls it after slaPrepareTx and the Put).
func (s *Service) slaScheduledTx(tx *storage.Tx, t *Task) error {
	if t.SLA == nil || s.jobs == nil || t.Closed() {
		return nil
	}
	if t.SLA.StartBy != nil && t.StartedAt == nil {
		if err := s.scheduleSLATx(tx, t, "start", *t.SLA.StartBy); err != nil {
			return err
		}
	}
	if t.SLA.FinishBy != nil {
		return s.scheduleSLATx(tx, t, "finish", *t.SLA.FinishBy)
	}
	return nil
}

func (s *Service) scheduleSLATx(tx *storage.Tx, t *Task, target string, due time.Time) error {
	payload, err := json.Marshal(slaPayload{TaskID: t.ID, Target: target})
	if err != nil {
		return err
	}
	_, err = s.jobs.Schedule(tx, scheduler.Job{Account: t.AccountID, Kind: JobSLA, Key: slaKey(t.ID, target), Due: due, Payload: payload})
	return err
}

// slaDeletedTx cancels a deleted task's SLA jobs.
func (s *Service) slaDeletedTx(tx *storage.Tx, t *Task) error {
	if s.jobs == nil {
		return nil
	}
	if err := s.jobs.Cancel(tx, t.AccountID, slaKey(t.ID, "start")); err != nil {
		return err
	}
	return s.jobs.Cancel(tx, t.AccountID, slaKey(t.ID, "finish"))
}

// slaJob runs when a target's time comes: if the task has not reached it, the breach is recorded
// and the assignees are told. It runs in the job's own transaction, and a target already marked
// (or reached, or a task closed or deleted since) changes nothing, so a retry never notifies twice.
func (s *Service) slaJob(ctx context.Context, tx *storage.Tx, job *scheduler.Job) error {
	var p slaPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return fmt.Errorf("tasks: sla job %d: %w", job.ID, err)
	}
	t, err := Tasks.Get(tx, job.Account, p.TaskID)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if t.SLA == nil || t.Status == StatusCancelled {
		return nil
	}
	now := s.now()
	switch p.Target {
	case "start":
		if t.SLA.StartBy == nil || t.SLA.StartBreachedAt != nil || t.StartedAt != nil || t.Closed() || now.Before(*t.SLA.StartBy) {
			return nil
		}
		at := *t.SLA.StartBy
		t.SLA.StartBreachedAt = &at
	case "finish":
		if t.SLA.FinishBy == nil || t.SLA.FinishBreachedAt != nil || t.CompletedAt != nil || t.Closed() || now.Before(*t.SLA.FinishBy) {
			return nil
		}
		at := *t.SLA.FinishBy
		t.SLA.FinishBreachedAt = &at
	default:
		return nil
	}
	t.UpdatedAt = now
	if err := Tasks.Put(tx, t); err != nil {
		return err
	}
	if err := s.emitTx(tx, access.SystemActor(t.AccountID), EventTaskUpdated, t); err != nil {
		return err
	}
	return notifySLATx(tx, t, p.Target)
}

// notifySLATx tells each assignee, in the account's language, which target the task missed.
func notifySLATx(tx *storage.Tx, t *Task, target string) error {
	if len(t.AssigneeIDs) == 0 {
		return nil
	}
	acct, err := accountOf(tx, t.AccountID)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return err
	}
	title, body := "SLA missed: "+t.Title, "The task was not started in time."
	if target == "finish" {
		body = "The task was not finished in time."
	}
	if ptBR(acct) {
		title, body = "SLA descumprido: "+t.Title, "A tarefa não foi iniciada a tempo."
		if target == "finish" {
			body = "A tarefa não foi concluída a tempo."
		}
	}
	for _, u := range t.AssigneeIDs {
		n := notify.Notification{AccountID: t.AccountID, UserID: u, Type: NotifySLABreached, Title: title, Body: body, Link: fmt.Sprintf("/tasks/%d", t.ID)}
		if err := notify.Send(tx, n); err != nil {
			return err
		}
	}
	return nil
}

// slaState says where a task's targets stand at now (nil without targets). A target is met when
// reached by its time, breached when reached late or not reached by then, ok while it runs; a
// cancelled task has no targets any more. A task completed without being started counts as
// started when it was completed.
func slaState(t *Task, now time.Time) *SLAState {
	if t.SLA == nil {
		return nil
	}
	st := &SLAState{PolicyID: t.SLA.PolicyID, Start: SLANone, Finish: SLANone, StartBy: t.SLA.StartBy, FinishBy: t.SLA.FinishBy}
	if t.Status == StatusCancelled {
		return st
	}
	started := t.StartedAt
	if started == nil {
		started = t.CompletedAt
	}
	st.Start = targetState(t.SLA.StartBy, started, t.SLA.StartBreachedAt, now)
	st.Finish = targetState(t.SLA.FinishBy, t.CompletedAt, t.SLA.FinishBreachedAt, now)
	return st
}

func targetState(by, reached, breached *time.Time, now time.Time) string {
	switch {
	case by == nil:
		return SLANone
	case reached != nil && !reached.After(*by):
		return SLAMet
	case reached != nil, breached != nil, now.After(*by):
		return SLABreached
	}
	return SLAOK
}
