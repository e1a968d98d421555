package crm

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/webhooks"
	"github.com/parleyhq/parley/storage"
)

// PerPage is the size of a page of deals.
const PerPage = 15

// Health of a deal, as its card shows it.
const (
	HealthOnTrack = "on_track"
	HealthStalled = "stalled"
	HealthOverdue = "overdue"
	HealthClosed  = "closed"
)

const (
	maxTitle  = 255
	maxReason = 500
	dateShape = "2006-01-02"
)

func init() {
	for _, e := range []webhooks.Event{
		{Name: EventDealCreated, Group: "crm", DescriptionEN: "A deal is created", DescriptionPT: "Um negócio é criado"},
		{Name: EventDealUpdated, Group: "crm", DescriptionEN: "A deal changes or moves to another stage", DescriptionPT: "Um negócio muda ou passa para outra etapa"},
		{Name: EventDealDeleted, Group: "crm", DescriptionEN: "A deal is deleted", DescriptionPT: "Um negócio é excluído"},
	} {
		webhooks.RegisterEvent(e)
	}
}

// UserRef names a member on a deal, a note or a history line.
type UserRef struct {
	ID   uint64 `json:"id"`
	Name string `json:"name"`
}

// ContactRef is the deal's contact as its card shows it.
type ContactRef struct {
	ID          uint64 `json:"id"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phone_number"`
	Thumbnail   string `json:"thumbnail"`
}

// CompanyRef is the deal's company as its card shows it.
type CompanyRef struct {
	ID   uint64 `json:"id"`
	Name string `json:"name"`
}

// DealView is a deal as the API shows it. value_mode is "auto" while line items set the value.
type DealView struct {
	ID               uint64         `json:"id"`
	PipelineID       uint64         `json:"pipeline_id"`
	StageID          uint64         `json:"stage_id"`
	Position         int64          `json:"position"`
	Title            string         `json:"title"`
	ValueCents       int64          `json:"value_cents"`
	Currency         string         `json:"currency"`
	ValueMode        string         `json:"value_mode"`
	Priority         string         `json:"priority"`
	OwnerID          uint64         `json:"owner_id"`
	Owner            *UserRef       `json:"owner"`
	ContactID        uint64         `json:"contact_id"`
	Contact          *ContactRef    `json:"contact"`
	CompanyID        uint64         `json:"company_id"`
	Company          *CompanyRef    `json:"company"`
	TeamID           uint64         `json:"team_id"`
	ExpectedCloseOn  string         `json:"expected_close_on"`
	Status           string         `json:"status"`
	ClosedAt         *int64         `json:"closed_at"`
	CloseReason      string         `json:"close_reason"`
	CustomAttributes map[string]any `json:"custom_attributes"`
	Counters         Counters       `json:"counters"`
	Health           string         `json:"health"`
	DaysInStage      int            `json:"days_in_stage"`
	StageChangedAt   int64          `json:"stage_changed_at"`
	LastActivityAt   int64          `json:"last_activity_at"`
	CreatedAt        int64          `json:"created_at"`
	UpdatedAt        int64          `json:"updated_at"`
}

// DealList is one page of deals.
type DealList struct {
	Meta    ListMeta   `json:"meta"`
	Payload []DealView `json:"payload"`
}

// ListMeta counts the matches of a listing and says which page this is (1-based).
type ListMeta struct {
	Count       int `json:"count"`
	CurrentPage int `json:"current_page"`
}

// Health says how a deal is doing: closed deals are closed; an expected close date before
// today (in the account's zone) is overdue; no stage change or activity for longer than the
// pipeline's stale days is stalled; anything else is on track. Pure, so it is tested by table.
func Health(d *Deal, p *Pipeline, now time.Time, loc *time.Location) string {
	if d.Status != DealOpen {
		return HealthClosed
	}
	if d.ExpectedCloseOn != "" && d.ExpectedCloseOn < now.In(loc).Format(dateShape) {
		return HealthOverdue
	}
	stale := DefaultStaleDays
	if p != nil && p.StaleDays > 0 {
		stale = p.StaleDays
	}
	last := d.StageChangedAt
	if d.LastActivityAt.After(last) {
		last = d.LastActivityAt
	}
	if now.Sub(last) > time.Duration(stale)*24*time.Hour {
		return HealthStalled
	}
	return HealthOnTrack
}

// viewer shapes deals for one read: it caches the account, pipelines and names it looks up.
type viewer struct {
	tx        *storage.Tx
	loc       *time.Location
	now       time.Time
	pipelines map[uint64]*Pipeline
	users     map[uint64]*UserRef
}

func newViewer(tx *storage.Tx, accountID uint64) (*viewer, error) {
	a, err := account(tx, accountID)
	if err != nil {
		return nil, err
	}
	return &viewer{tx: tx, loc: location(a), now: time.Now(), pipelines: map[uint64]*Pipeline{}, users: map[uint64]*UserRef{}}, nil
}

func (v *viewer) pipeline(account, id uint64) *Pipeline {
	if p, ok := v.pipelines[id]; ok {
		return p
	}
	p, _ := Pipelines.Get(v.tx, account, id)
	v.pipelines[id] = p
	return p
}

func (v *viewer) user(id uint64) *UserRef {
	if id == 0 {
		return nil
	}
	if u, ok := v.users[id]; ok {
		return u
	}
	var ref *UserRef
	if u, err := auth.Users.Get(v.tx, 0, id); err == nil {
		ref = &UserRef{ID: u.ID, Name: u.Name}
	}
	v.users[id] = ref
	return ref
}

func (v *viewer) deal(d *Deal) DealView {
	out := DealView{ID: d.ID, PipelineID: d.PipelineID, StageID: d.StageID, Position: d.Position, Title: d.Title,
		ValueCents: d.ValueCents, Currency: d.Currency, ValueMode: "manual", Priority: d.Priority,
		OwnerID: d.OwnerID, Owner: v.user(d.OwnerID), ContactID: d.ContactID, CompanyID: d.CompanyID, TeamID: d.TeamID,
		ExpectedCloseOn: d.ExpectedCloseOn, Status: d.Status, CloseReason: d.CloseReason, CustomAttributes: d.CustomAttributes,
		Counters: d.Counters, Health: Health(d, v.pipeline(d.AccountID, d.PipelineID), v.now, v.loc),
		DaysInStage: int(v.now.Sub(d.StageChangedAt) / (24 * time.Hour)), StageChangedAt: d.StageChangedAt.Unix(),
		LastActivityAt: d.LastActivityAt.Unix(), CreatedAt: d.CreatedAt.Unix(), UpdatedAt: d.UpdatedAt.Unix()}
	if d.Counters.LineItems > 0 {
		out.ValueMode = "auto"
	}
	if out.CustomAttributes == nil {
		out.CustomAttributes = map[string]any{}
	}
	if !d.ClosedAt.IsZero() {
		t := d.ClosedAt.Unix()
		out.ClosedAt = &t
	}
	if d.ContactID != 0 {
		if c, err := contacts.Contacts.Get(v.tx, d.AccountID, d.ContactID); err == nil {
			cv := contacts.ViewOf(c)
			out.Contact = &ContactRef{ID: c.ID, Name: c.Name, Email: c.Email, PhoneNumber: c.Phone, Thumbnail: cv.Thumbnail}
		}
	}
	if d.CompanyID != 0 {
		if c, err := contacts.Companies.Get(v.tx, d.AccountID, d.CompanyID); err == nil {
			out.Company = &CompanyRef{ID: c.ID, Name: c.Name}
		}
	}
	return out
}

// scopeOf is contacts.ScopeOf as a predicate on an owner id.
func scopeOf(tx *storage.Tx, actor access.Actor) (func(uint64) bool, error) {
	sc, err := contacts.ScopeOf(tx, actor)
	if err != nil {
		return nil, err
	}
	return sc.Sees, nil
}

// visibleDeal loads a deal the actor may see; a hidden one reads as missing.
func visibleDeal(tx *storage.Tx, actor access.Actor, id uint64) (*Deal, error) {
	d, err := Deals.Get(tx, actor.AccountID, id)
	if err != nil {
		return nil, err
	}
	sees, err := scopeOf(tx, actor)
	if err != nil {
		return nil, err
	}
	if !sees(d.OwnerID) {
		return nil, apperr.NotFoundf("deals %d not found", id)
	}
	return d, nil
}

func emitDeal(tx *storage.Tx, typ string, d *Deal, actor uint64) error {
	return tx.EmitData(storage.Event{Account: d.AccountID, Type: typ, Entity: Deals.Name(), ID: d.ID, Actor: actor}, d)
}

// touch records activity on a deal (edits, notes, items, checklist) and saves it with its
// deal_updated event, in the caller's transaction.
func touch(tx *storage.Tx, d *Deal, actor uint64) error {
	now := time.Now().UTC()
	d.LastActivityAt, d.UpdatedAt = now, now
	if err := Deals.Put(tx, d); err != nil {
		return err
	}
	return emitDeal(tx, EventDealUpdated, d, actor)
}

// viewOne shapes one deal in tx.
func viewOne(tx *storage.Tx, d *Deal) (DealView, error) {
	v, err := newViewer(tx, d.AccountID)
	if err != nil {
		return DealView{}, err
	}
	return v.deal(d), nil
}

// DealInput is the deal form; nil leaves a field alone. Zero ids clear a reference (0 owner:
// nobody). The stage changes only through Move.
type DealInput struct {
	PipelineID       uint64         `json:"pipeline_id,omitempty"`
	StageID          uint64         `json:"stage_id,omitempty"`
	Title            *string        `json:"title,omitempty"`
	ValueCents       *int64         `json:"value_cents,omitempty"`
	Currency         *string        `json:"currency,omitempty"`
	Priority         *string        `json:"priority,omitempty" enum:"low,medium,high,urgent"`
	OwnerID          *uint64        `json:"owner_id,omitempty"`
	ContactID        *uint64        `json:"contact_id,omitempty"`
	CompanyID        *uint64        `json:"company_id,omitempty"`
	TeamID           *uint64        `json:"team_id,omitempty"`
	ExpectedCloseOn  *string        `json:"expected_close_on,omitempty" doc:"YYYY-MM-DD; empty clears it"`
	CustomAttributes map[string]any `json:"custom_attributes,omitempty"`
}

func validCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for _, r := range c {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// apply validates in and writes it onto d, collecting every problem at once. sees is the
// actor's owner privacy: a contact they cannot see looks missing (the card would show its
// name, email and phone); a contact already on the deal may be sent back unchanged.
func (in DealInput) apply(tx *storage.Tx, d *Deal, sees func(uint64) bool, fe *apperr.Fields) {
	account := d.AccountID
	if in.Title != nil {
		t := strings.TrimSpace(*in.Title)
		switch {
		case t == "":
			fe.Add("title", "is required")
		case len([]rune(t)) > maxTitle:
			fe.Add("title", fmt.Sprintf("must be at most %d characters", maxTitle))
		}
		d.Title = t
	}
	if in.ValueCents != nil {
		switch {
		case d.Counters.LineItems > 0 && *in.ValueCents != d.ValueCents:
			fe.Add("value_cents", "is the sum of the line items; remove them to type a value")
		case *in.ValueCents < 0 || *in.ValueCents > maxMoney:
			fe.Add("value_cents", "must be between 0 and 10000000000000000")
		default:
			d.ValueCents = *in.ValueCents
		}
	}
	if in.Currency != nil {
		c := strings.ToUpper(strings.TrimSpace(*in.Currency))
		switch {
		case !validCurrency(c):
			fe.Add("currency", "must be a 3-letter ISO code such as BRL")
		case d.Counters.LineItems > 0 && c != d.Currency:
			fe.Add("currency", "is set by the line items")
		default:
			d.Currency = c
		}
	}
	if in.Priority != nil {
		if !slices.Contains(Priorities, *in.Priority) {
			fe.Add("priority", "must be low, medium, high or urgent")
		}
		d.Priority = *in.Priority
	}
	if in.OwnerID != nil {
		d.OwnerID = *in.OwnerID
		if d.OwnerID != 0 {
			if _, err := accounts.Members.GetBy(tx, account, "user", storage.Uint(d.OwnerID)); err != nil {
				fe.Add("owner_id", "is not a member of this account")
			}
		}
	}
	if in.ContactID != nil && *in.ContactID != d.ContactID {
		d.ContactID = *in.ContactID
		if d.ContactID != 0 {
			if c, err := contacts.Contacts.Get(tx, account, d.ContactID); err != nil || !sees(c.OwnerID) {
				fe.Add("contact_id", "is not a contact of this account")
			}
		}
	}
	if in.CompanyID != nil {
		d.CompanyID = *in.CompanyID
		if d.CompanyID != 0 && !contacts.Companies.Exists(tx, account, d.CompanyID) {
			fe.Add("company_id", "is not a company of this account")
		}
	}
	if in.TeamID != nil {
		d.TeamID = *in.TeamID
		if d.TeamID != 0 && !accounts.Teams.Exists(tx, account, d.TeamID) {
			fe.Add("team_id", "is not a team of this account")
		}
	}
	if in.ExpectedCloseOn != nil {
		v := strings.TrimSpace(*in.ExpectedCloseOn)
		if _, err := time.Parse(dateShape, v); v != "" && err != nil {
			fe.Add("expected_close_on", "must be a date like 2025-12-31")
		}
		d.ExpectedCloseOn = v
	}
	if in.CustomAttributes != nil {
		vals, bad := contacts.ValidateAttributes(tx, account, contacts.ModelDeal, in.CustomAttributes)
		for k, msg := range bad {
			fe.Add(k, msg)
		}
		for k, v := range vals {
			if d.CustomAttributes == nil {
				d.CustomAttributes = map[string]any{}
			}
			if v == nil {
				delete(d.CustomAttributes, k)
			} else {
				d.CustomAttributes[k] = v
			}
		}
	}
}

// lastPosition is the position after the last deal of a stage.
func lastPosition(tx *storage.Tx, account, stage uint64) int64 {
	var last int64
	Deals.Each(tx, account, storage.Query{Index: "stage", Prefix: storage.Uint(stage), Reverse: true, Limit: 1}, func(d *Deal) bool {
		last = d.Position
		return false
	})
	return last + Gap
}

// CreateDeal adds a deal at the end of its stage (the pipeline's first stage by default), in
// the account's currency and owned by its creator unless told otherwise.
func (s *Service) CreateDeal(ctx context.Context, actor access.Actor, in DealInput) (*DealView, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	var out DealView
	err := s.db.Update(func(tx *storage.Tx) error {
		a, err := account(tx, actor.AccountID)
		if err != nil {
			return err
		}
		var fe apperr.Fields
		p, err := Pipelines.Get(tx, actor.AccountID, in.PipelineID)
		if err != nil {
			return apperr.Field("pipeline_id", "is not a pipeline of this account")
		}
		st := p.Stages[0]
		if in.StageID != 0 {
			var ok bool
			if st, ok = p.stage(in.StageID); !ok {
				fe.Add("stage_id", "is not a stage of this pipeline")
			}
		}
		now := time.Now().UTC()
		d := &Deal{AccountID: actor.AccountID, PipelineID: p.ID, StageID: st.ID, Currency: a.Currency, Priority: "medium",
			OwnerID: actor.UserID, Status: DealOpen, StageChangedAt: now, LastActivityAt: now, CreatedAt: now, UpdatedAt: now}
		if d.Currency == "" {
			d.Currency = "BRL"
		}
		if in.Title == nil {
			fe.Add("title", "is required")
		}
		sees, err := scopeOf(tx, actor)
		if err != nil {
			return err
		}
		in.apply(tx, d, sees, &fe)
		if err := fe.Err(); err != nil {
			return err
		}
		setStatus(d, st, now)
		d.Position = lastPosition(tx, actor.AccountID, st.ID)
		if err := Deals.Put(tx, d); err != nil {
			return err
		}
		if err := StageHistory.Put(tx, &StageChange{AccountID: d.AccountID, DealID: d.ID, ToStageID: st.ID, ToPipelineID: p.ID,
			Status: d.Status, UserID: actor.UserID, At: now}); err != nil {
			return err
		}
		if out, err = viewOne(tx, d); err != nil {
			return err
		}
		return emitDeal(tx, EventDealCreated, d, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// setStatus makes a deal's status follow the kind of the stage it is in.
func setStatus(d *Deal, st Stage, now time.Time) {
	switch st.Kind {
	case StageWon, StageLost:
		if d.Status != st.Kind {
			d.Status, d.ClosedAt = st.Kind, now
		}
	default:
		d.Status, d.ClosedAt, d.CloseReason = DealOpen, time.Time{}, ""
	}
}

// GetDeal returns one deal the actor may see.
func (s *Service) GetDeal(ctx context.Context, actor access.Actor, id uint64) (*DealView, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	var out DealView
	err := s.db.View(func(tx *storage.Tx) error {
		d, err := visibleDeal(tx, actor, id)
		if err != nil {
			return err
		}
		out, err = viewOne(tx, d)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateDeal changes a deal's fields (not its stage: see Move).
func (s *Service) UpdateDeal(ctx context.Context, actor access.Actor, id uint64, in DealInput) (*DealView, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	var out DealView
	err := s.db.Update(func(tx *storage.Tx) error {
		d, err := visibleDeal(tx, actor, id)
		if err != nil {
			return err
		}
		var fe apperr.Fields
		if in.StageID != 0 && in.StageID != d.StageID {
			fe.Add("stage_id", "changes through a move")
		}
		if in.PipelineID != 0 && in.PipelineID != d.PipelineID {
			fe.Add("pipeline_id", "changes through a move")
		}
		sees, err := scopeOf(tx, actor)
		if err != nil {
			return err
		}
		in.apply(tx, d, sees, &fe)
		if err := fe.Err(); err != nil {
			return err
		}
		if err := touch(tx, d, actor.UserID); err != nil {
			return err
		}
		out, err = viewOne(tx, d)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteDeal removes a deal with its notes, attachments (releasing their files), checklist,
// line items, history and custom object associations; its orders stay with their contact.
func (s *Service) DeleteDeal(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.Require(Module, access.Manage); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		d, err := visibleDeal(tx, actor, id)
		if err != nil {
			return err
		}
		q := storage.Query{Index: "deal", Prefix: storage.Uint(id)}
		var files []Attachment
		Attachments.Each(tx, d.AccountID, q, func(a *Attachment) bool { files = append(files, *a); return true })
		for _, a := range files {
			if s.blobs != nil {
				if err := s.blobs.Release(tx, d.AccountID, a.Hash); err != nil {
					return err
				}
			}
			if err := Attachments.Delete(tx, d.AccountID, a.ID); err != nil {
				return err
			}
		}
		for _, del := range []func() error{
			func() error { return deleteAll(tx, Notes, d.AccountID, q) },
			func() error { return deleteAll(tx, Checklist, d.AccountID, q) },
			func() error { return deleteAll(tx, LineItems, d.AccountID, q) },
			func() error { return deleteAll(tx, StageHistory, d.AccountID, q) },
			func() error { return unlinkDealOrders(tx, d.AccountID, d.ID, actor) },
			func() error { return deleteDealAssociations(tx, d.AccountID, d.ID, actor) },
			func() error { return Deals.Delete(tx, d.AccountID, d.ID) },
		} {
			if err := del(); err != nil {
				return err
			}
		}
		return emitDeal(tx, EventDealDeleted, d, actor.UserID)
	})
}

func deleteAll[T any](tx *storage.Tx, c *storage.Collection[T], account uint64, q storage.Query) error {
	ids, err := c.IDs(tx, account, q)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := c.Delete(tx, account, id); err != nil {
			return err
		}
	}
	return nil
}

// DealQuery selects deals for the list: a pipeline, a stage and the board's filters.
type DealQuery struct {
	DealFilters
	PipelineID uint64
	StageID    uint64
	Page       int
}

// match reports whether a deal passes the filters (q is applied separately, through search).
func (f DealFilters) match(d *Deal) bool {
	switch {
	case f.OwnerID != 0 && d.OwnerID != f.OwnerID,
		f.Priority != "" && d.Priority != f.Priority,
		f.TeamID != 0 && d.TeamID != f.TeamID,
		f.ContactID != 0 && d.ContactID != f.ContactID,
		f.CompanyID != 0 && d.CompanyID != f.CompanyID,
		f.Status != "" && d.Status != f.Status,
		f.CloseFrom != "" && (d.ExpectedCloseOn == "" || d.ExpectedCloseOn < f.CloseFrom),
		f.CloseTo != "" && (d.ExpectedCloseOn == "" || d.ExpectedCloseOn > f.CloseTo):
		return false
	}
	return true
}

func (f DealFilters) check() error {
	var fe apperr.Fields
	if f.Priority != "" && !slices.Contains(Priorities, f.Priority) {
		fe.Add("priority", "must be low, medium, high or urgent")
	}
	if f.Status != "" && f.Status != DealOpen && f.Status != DealWon && f.Status != DealLost {
		fe.Add("status", "must be open, won or lost")
	}
	for field, v := range map[string]string{"close_from": f.CloseFrom, "close_to": f.CloseTo} {
		if _, err := time.Parse(dateShape, v); v != "" && err != nil {
			fe.Add(field, "must be a date like 2025-12-31")
		}
	}
	return fe.Err()
}

// ListDeals returns one page of the deals the actor may see, newest first, or best match
// first with q.
func (s *Service) ListDeals(ctx context.Context, actor access.Actor, in DealQuery) (*DealList, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	page := max(in.Page, 1)
	var hits []uint64
	if strings.TrimSpace(in.Q) != "" {
		var err error
		if hits, err = s.searchDeals(ctx, actor.AccountID, in.Q); err != nil {
			return nil, err
		}
	}
	out := &DealList{Meta: ListMeta{CurrentPage: page}, Payload: []DealView{}}
	err := s.db.View(func(tx *storage.Tx) error {
		sees, err := scopeOf(tx, actor)
		if err != nil {
			return err
		}
		v, err := newViewer(tx, actor.AccountID)
		if err != nil {
			return err
		}
		skip := (page - 1) * PerPage
		take := func(d *Deal) bool {
			if !sees(d.OwnerID) || !in.match(d) || in.PipelineID != 0 && d.PipelineID != in.PipelineID || in.StageID != 0 && d.StageID != in.StageID {
				return true
			}
			out.Meta.Count++
			if skip > 0 {
				skip--
			} else if len(out.Payload) < PerPage {
				out.Payload = append(out.Payload, v.deal(d))
			}
			return true
		}
		if hits != nil {
			for _, id := range hits {
				if d, err := Deals.Get(tx, actor.AccountID, id); err == nil {
					take(d)
				}
			}
			return nil
		}
		q := storage.Query{Reverse: true}
		if in.PipelineID != 0 {
			q = storage.Query{Index: "pipeline", Prefix: storage.Uint(in.PipelineID), Reverse: true}
		}
		return Deals.Each(tx, actor.AccountID, q, take)
	})
	return out, err
}

// mergeDeals re-points the deals of contact from at contact into (contacts.Linker).
func (s *Service) mergeDeals(tx *storage.Tx, account, from, into uint64, actor access.Actor) error {
	return repointDeals(tx, account, from, into, actor)
}

// unlinkDeals clears the contact of a deleted contact's deals: a deal outlives its contact.
func (s *Service) unlinkDeals(tx *storage.Tx, account, id uint64, actor access.Actor) error {
	return repointDeals(tx, account, id, 0, actor)
}

func repointDeals(tx *storage.Tx, account, from, into uint64, actor access.Actor) error {
	page, err := Deals.Scan(tx, account, storage.Query{Index: "contact", Prefix: storage.Uint(from)})
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for i := range page.Items {
		d := &page.Items[i]
		d.ContactID, d.UpdatedAt = into, now
		if err := Deals.Put(tx, d); err != nil {
			return err
		}
		if err := emitDeal(tx, EventDealUpdated, d, actor.UserID); err != nil {
			return err
		}
	}
	return nil
}

// hasOpenDealCriterion answers the contact filter "has_open_deal": it returns the contacts
// that match, so equal_to true (or not_equal_to false) gives the contacts with at least one
// open deal and equal_to false (or not_equal_to true) every other contact of the account.
func (s *Service) hasOpenDealCriterion(tx *storage.Tx, actor access.Actor, operator string, values []any) (map[uint64]bool, error) {
	account := actor.AccountID
	if len(values) != 1 {
		return nil, apperr.Field("values", "must be [true] or [false] for has_open_deal")
	}
	var want bool
	switch v := values[0].(type) {
	case bool:
		want = v
	case string:
		switch strings.ToLower(v) {
		case "true", "1", "yes":
			want = true
		case "false", "0", "no":
		default:
			return nil, apperr.Field("values", "must be [true] or [false] for has_open_deal")
		}
	default:
		return nil, apperr.Field("values", "must be [true] or [false] for has_open_deal")
	}
	switch operator {
	case "equal_to":
	case "not_equal_to":
		want = !want
	default:
		return nil, apperr.Field("filter_operator", "must be equal_to or not_equal_to for has_open_deal")
	}
	// Only the deals the actor may see count: under owner privacy another rep's deal is not
	// there for them, in a filter as on the board.
	scope, err := contacts.ScopeOf(tx, actor)
	if err != nil {
		return nil, err
	}
	has := map[uint64]bool{}
	err = Deals.Each(tx, account, storage.Query{Index: "contact"}, func(d *Deal) bool {
		if d.Status == DealOpen && scope.Sees(d.OwnerID) {
			has[d.ContactID] = true
		}
		return true
	})
	if err != nil || want {
		return has, err
	}
	out := map[uint64]bool{}
	ids, err := contacts.Contacts.IDs(tx, account, storage.Query{})
	for _, id := range ids {
		if !has[id] {
			out[id] = true
		}
	}
	return out, err
}
