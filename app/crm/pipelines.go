package crm

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// Limits of a pipeline.
const (
	MaxStages        = 30
	DefaultStaleDays = 14
	maxNameLen       = 60
)

// palette colours stages given no colour, in order.
var palette = []string{"#64748b", "#0ea5e9", "#6366f1", "#a855f7", "#f59e0b", "#14b8a6", "#ec4899", "#84cc16"}

var colorRe = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// StageView is a stage as the API shows it.
type StageView struct {
	ID          uint64 `json:"id"`
	Name        string `json:"name"`
	Color       string `json:"color"`
	Probability int    `json:"probability"`
	Kind        string `json:"kind"`
}

// PipelineView is a pipeline as the API shows it, with its number of open deals.
type PipelineView struct {
	ID         uint64      `json:"id"`
	Name       string      `json:"name"`
	Position   int         `json:"position"`
	StaleDays  int         `json:"stale_days"`
	Stages     []StageView `json:"stages"`
	DealsCount int         `json:"deals_count"`
	CreatedAt  int64       `json:"created_at"`
	UpdatedAt  int64       `json:"updated_at"`
}

// StageInput is one stage of a pipeline form. With an id it keeps (renames, re-colours) that
// stage; without one it is a new stage. Probability nil takes the kind's default.
type StageInput struct {
	ID          uint64 `json:"id,omitempty"`
	Name        string `json:"name"`
	Color       string `json:"color,omitempty"`
	Probability *int   `json:"probability,omitempty"`
	Kind        string `json:"kind,omitempty" enum:"open,won,lost"`
}

// PipelineInput is the pipeline form. On create, stages come from the template when omitted
// and the name defaults to the template's; on update, stages is the full ordered list.
type PipelineInput struct {
	Name      *string      `json:"name,omitempty"`
	Template  string       `json:"template,omitempty"`
	Stages    []StageInput `json:"stages,omitempty"`
	StaleDays *int         `json:"stale_days,omitempty"`
	Position  *int         `json:"position,omitempty"`
}

// account loads the actor's account (time zone, currency, language, privacy switch).
func account(tx *storage.Tx, id uint64) (*accounts.Account, error) {
	return accounts.Accounts.Get(tx, 0, id)
}

// location is the account's time zone (UTC when unset or unknown).
func location(a *accounts.Account) *time.Location {
	if a != nil && a.TimeZone != "" {
		if loc, err := time.LoadLocation(a.TimeZone); err == nil {
			return loc
		}
	}
	return time.UTC
}

func (p *Pipeline) stage(id uint64) (Stage, bool) {
	for _, s := range p.Stages {
		if s.ID == id {
			return s, true
		}
	}
	return Stage{}, false
}

func (p *Pipeline) stageOfKind(kind string) (Stage, bool) {
	for _, s := range p.Stages {
		if s.Kind == kind {
			return s, true
		}
	}
	return Stage{}, false
}

func viewPipeline(tx *storage.Tx, p *Pipeline, scope func(uint64) bool) PipelineView {
	v := PipelineView{ID: p.ID, Name: p.Name, Position: p.Position, StaleDays: p.StaleDays, Stages: []StageView{},
		CreatedAt: p.CreatedAt.Unix(), UpdatedAt: p.UpdatedAt.Unix()}
	for _, s := range p.Stages {
		v.Stages = append(v.Stages, StageView(s))
	}
	Deals.Each(tx, p.AccountID, storage.Query{Index: "pipeline", Prefix: storage.Uint(p.ID)}, func(d *Deal) bool {
		if d.Status == DealOpen && scope(d.OwnerID) {
			v.DealsCount++
		}
		return true
	})
	return v
}

// stageDeals counts the deals in a stage.
func stageDeals(tx *storage.Tx, account, stage uint64) int {
	n, _ := Deals.Count(tx, account, storage.Query{Index: "stage", Prefix: storage.Uint(stage)})
	return n
}

// buildStages validates a full ordered stage list against the pipeline's current stages (nil
// on create) and returns the stages to store. Every problem is reported at once.
func buildStages(tx *storage.Tx, account uint64, old []Stage, in []StageInput, fe *apperr.Fields) []Stage {
	if len(in) == 0 || len(in) > MaxStages {
		fe.Add("stages", fmt.Sprintf("must have between 1 and %d stages", MaxStages))
		return nil
	}
	var out []Stage
	names := map[string]bool{}
	kinds := map[string]int{}
	kept := map[uint64]bool{}
	for i, s := range in {
		at := func(f string) string { return fmt.Sprintf("stages[%d].%s", i, f) }
		st := Stage{ID: s.ID, Name: strings.TrimSpace(s.Name), Color: strings.ToLower(strings.TrimSpace(s.Color)), Kind: s.Kind}
		if st.Kind == "" {
			st.Kind = StageOpen
		}
		if st.ID != 0 {
			if !slices.ContainsFunc(old, func(o Stage) bool { return o.ID == st.ID }) || kept[st.ID] {
				fe.Add(at("id"), "is not a stage of this pipeline")
			}
			kept[st.ID] = true
		}
		switch n := len([]rune(st.Name)); {
		case n == 0:
			fe.Add(at("name"), "is required")
		case n > maxNameLen:
			fe.Add(at("name"), fmt.Sprintf("must be at most %d characters", maxNameLen))
		case names[storage.Fold(st.Name)]:
			fe.Add(at("name"), "is already the name of another stage")
		}
		names[storage.Fold(st.Name)] = true
		if st.Color == "" {
			st.Color = palette[i%len(palette)]
		} else if !colorRe.MatchString(st.Color) {
			fe.Add(at("color"), "must be a colour like #1e90ff")
		}
		switch st.Kind {
		case StageOpen:
			st.Probability = 50
			if s.Probability != nil {
				st.Probability = *s.Probability
				if st.Probability < 0 || st.Probability > 100 {
					fe.Add(at("probability"), "must be between 0 and 100")
				}
			}
		case StageWon, StageLost:
			want := 100
			if st.Kind == StageLost {
				want = 0
			}
			if s.Probability != nil && *s.Probability != want {
				fe.Add(at("probability"), fmt.Sprintf("is always %d %% for a %s stage", want, st.Kind))
			}
			st.Probability = want
		default:
			fe.Add(at("kind"), "must be open, won or lost")
		}
		kinds[st.Kind]++
		out = append(out, st)
	}
	if kinds[StageOpen] == 0 {
		fe.Add("stages", "need at least one open stage")
	}
	if kinds[StageWon] > 1 || kinds[StageLost] > 1 {
		fe.Add("stages", "may have at most one won and one lost stage")
	}
	for _, o := range old {
		if kept[o.ID] {
			continue
		}
		if n := stageDeals(tx, account, o.ID); n > 0 {
			fe.Add("stages", fmt.Sprintf("%s still has %d deals; move them first", o.Name, n))
		}
	}
	if len(*fe) > 0 {
		return nil
	}
	for i := range out {
		if out[i].ID == 0 {
			id, err := tx.NextNumber(account, "crm_stage")
			if err != nil {
				fe.Add("stages", err.Error())
				return nil
			}
			out[i].ID = id
		}
	}
	return out
}

func checkPipelineName(fe *apperr.Fields, name string) {
	switch n := len([]rune(name)); {
	case n == 0:
		fe.Add("name", "is required")
	case n > maxNameLen:
		fe.Add("name", fmt.Sprintf("must be at most %d characters", maxNameLen))
	}
}

func checkStaleDays(fe *apperr.Fields, v *int) {
	if v != nil && (*v < 1 || *v > 365) {
		fe.Add("stale_days", "must be between 1 and 365")
	}
}

func emitPipeline(tx *storage.Tx, typ string, p *Pipeline, actor uint64) error {
	return tx.EmitData(storage.Event{Account: p.AccountID, Type: typ, Entity: Pipelines.Name(), ID: p.ID, Actor: actor}, p)
}

// Event types of pipelines.
const (
	EventPipelineCreated = "pipeline_created"
	EventPipelineUpdated = "pipeline_updated"
	EventPipelineDeleted = "pipeline_deleted"
)

// allPipelines returns the account's pipelines in board order.
func allPipelines(tx *storage.Tx, account uint64) ([]Pipeline, error) {
	page, err := Pipelines.Scan(tx, account, storage.Query{})
	slices.SortStableFunc(page.Items, func(a, b Pipeline) int { return a.Position - b.Position })
	return page.Items, err
}

// ListPipelines returns the account's pipelines in order, with their open deal counts.
func (s *Service) ListPipelines(ctx context.Context, actor access.Actor) ([]PipelineView, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	out := []PipelineView{}
	err := s.db.View(func(tx *storage.Tx) error {
		sc, err := scopeOf(tx, actor)
		if err != nil {
			return err
		}
		ps, err := allPipelines(tx, actor.AccountID)
		for i := range ps {
			out = append(out, viewPipeline(tx, &ps[i], sc))
		}
		return err
	})
	return out, err
}

// PipelineTemplates lists the templates in the actor's account language.
func (s *Service) PipelineTemplates(ctx context.Context, actor access.Actor) ([]Template, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	lang := ""
	err := s.db.View(func(tx *storage.Tx) error {
		a, err := account(tx, actor.AccountID)
		if err == nil {
			lang = a.Language
		}
		return err
	})
	return Templates(lang), err
}

// GetPipeline returns one pipeline.
func (s *Service) GetPipeline(ctx context.Context, actor access.Actor, id uint64) (*PipelineView, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	var out PipelineView
	err := s.db.View(func(tx *storage.Tx) error {
		sc, err := scopeOf(tx, actor)
		if err != nil {
			return err
		}
		p, err := Pipelines.Get(tx, actor.AccountID, id)
		if err == nil {
			out = viewPipeline(tx, p, sc)
		}
		return err
	})
	return &out, err
}

// CreatePipeline adds a pipeline from a template, from explicit stages, or both (explicit
// stages win, the template still names it).
func (s *Service) CreatePipeline(ctx context.Context, actor access.Actor, in PipelineInput) (*PipelineView, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	var out PipelineView
	err := s.db.Update(func(tx *storage.Tx) error {
		a, err := account(tx, actor.AccountID)
		if err != nil {
			return err
		}
		var fe apperr.Fields
		stages := in.Stages
		name := ""
		if in.Template != "" {
			t, ok := templateByKey(in.Template, a.Language)
			if !ok {
				fe.Add("template", "is not a known template")
			}
			name = t.Name
			if len(stages) == 0 {
				for _, st := range t.Stages {
					stages = append(stages, StageInput{Name: st.Name, Color: st.Color, Probability: &st.Probability, Kind: st.Kind})
				}
			}
		}
		if in.Name != nil {
			name = strings.TrimSpace(*in.Name)
		}
		checkPipelineName(&fe, name)
		checkStaleDays(&fe, in.StaleDays)
		if len(stages) == 0 && in.Template == "" {
			fe.Add("stages", "are required without a template")
			return fe.Err()
		}
		built := buildStages(tx, actor.AccountID, nil, stages, &fe)
		if err := fe.Err(); err != nil {
			return err
		}
		now := time.Now().UTC()
		p := &Pipeline{AccountID: actor.AccountID, Name: name, Stages: built, StaleDays: DefaultStaleDays, Position: Pipelines.Len(tx, actor.AccountID), CreatedAt: now, UpdatedAt: now}
		if in.StaleDays != nil {
			p.StaleDays = *in.StaleDays
		}
		if in.Position != nil {
			p.Position = *in.Position
		}
		if err := Pipelines.Put(tx, p); err != nil {
			return err
		}
		out = viewPipeline(tx, p, func(uint64) bool { return true })
		return emitPipeline(tx, EventPipelineCreated, p, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdatePipeline renames, re-orders or re-stages a pipeline. Removing a stage that still holds
// deals is refused: the deals would have no column.
func (s *Service) UpdatePipeline(ctx context.Context, actor access.Actor, id uint64, in PipelineInput) (*PipelineView, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	var out PipelineView
	err := s.db.Update(func(tx *storage.Tx) error {
		p, err := Pipelines.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		var fe apperr.Fields
		if in.Name != nil {
			p.Name = strings.TrimSpace(*in.Name)
			checkPipelineName(&fe, p.Name)
		}
		checkStaleDays(&fe, in.StaleDays)
		if in.Template != "" {
			fe.Add("template", "applies only when a pipeline is created")
		}
		before := p.Stages
		if in.Stages != nil {
			if st := buildStages(tx, actor.AccountID, p.Stages, in.Stages, &fe); st != nil {
				p.Stages = st
			}
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if err := followStageKinds(tx, actor, before, p.Stages); err != nil {
			return err
		}
		if in.StaleDays != nil {
			p.StaleDays = *in.StaleDays
		}
		if in.Position != nil {
			p.Position = *in.Position
		}
		p.UpdatedAt = time.Now().UTC()
		if err := Pipelines.Put(tx, p); err != nil {
			return err
		}
		sc, err := scopeOf(tx, actor)
		if err != nil {
			return err
		}
		out = viewPipeline(tx, p, sc)
		return emitPipeline(tx, EventPipelineUpdated, p, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// followStageKinds keeps deals' status in step with their stage when an edit turns a kept stage
// into a won, lost or open one: a deal's status always says the same as the column it sits in.
func followStageKinds(tx *storage.Tx, actor access.Actor, before, after []Stage) error {
	was := map[uint64]string{}
	for _, st := range before {
		was[st.ID] = st.Kind
	}
	now := time.Now().UTC()
	for _, st := range after {
		if kind, kept := was[st.ID]; !kept || kind == st.Kind {
			continue
		}
		ids, err := Deals.IDs(tx, actor.AccountID, storage.Query{Index: "stage", Prefix: storage.Uint(st.ID)})
		if err != nil {
			return err
		}
		for _, id := range ids {
			d, err := Deals.Get(tx, actor.AccountID, id)
			if err != nil {
				return err
			}
			setStatus(d, st, now)
			d.UpdatedAt = now
			if err := Deals.Put(tx, d); err != nil {
				return err
			}
			if err := emitDeal(tx, EventDealUpdated, d, actor.UserID); err != nil {
				return err
			}
		}
	}
	return nil
}

// DeletePipeline removes an empty pipeline; one with deals is a Conflict.
func (s *Service) DeletePipeline(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.Require(Module, access.Manage); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		p, err := Pipelines.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if n, _ := Deals.Count(tx, actor.AccountID, storage.Query{Index: "pipeline", Prefix: storage.Uint(id)}); n > 0 {
			return apperr.Conflictf("the pipeline still has %d deals; move or delete them first", n)
		}
		if err := Pipelines.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		return emitPipeline(tx, EventPipelineDeleted, p, actor.UserID)
	})
}

// stagePipeline finds the pipeline holding a stage (stage ids are unique in the account).
func stagePipeline(tx *storage.Tx, account, stage uint64) (*Pipeline, Stage, error) {
	ps, err := allPipelines(tx, account)
	if err != nil {
		return nil, Stage{}, err
	}
	for i := range ps {
		if st, ok := ps[i].stage(stage); ok {
			return &ps[i], st, nil
		}
	}
	return nil, Stage{}, apperr.Field("stage_id", "is not a stage of this account")
}
