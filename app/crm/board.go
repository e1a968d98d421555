package crm

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// BoardDealsPerColumn is how many cards a column shows at once.
const BoardDealsPerColumn = 100

// Column is one stage of the board with its totals per currency.
type Column struct {
	StageID       uint64           `json:"stage_id"`
	Count         int              `json:"count"`
	TotalCents    map[string]int64 `json:"total_cents"`
	WeightedCents map[string]int64 `json:"weighted_cents"`
	Deals         []DealView       `json:"deals"`
}

// Board is a pipeline's kanban: every stage (won and lost too) as a column.
type Board struct {
	Pipeline PipelineView `json:"pipeline"`
	Columns  []Column     `json:"columns"`
}

// Weighted is a value times a probability, rounded half away from zero, in integers.
func Weighted(value int64, probability int) int64 {
	return divRound(value*int64(probability), 100)
}

// addCents adds two non-negative amounts, stopping at the largest int64: a column or forecast
// of many large deals must not wrap round to a negative total.
func addCents(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// divRound divides rounding half away from zero.
func divRound(n, d int64) int64 {
	if n < 0 {
		return -divRound(-n, d)
	}
	return (n + d/2) / d
}

// Board returns a pipeline's columns with the deals the actor may see that pass f.
func (s *Service) Board(ctx context.Context, actor access.Actor, pipelineID uint64, f DealFilters) (*Board, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	var hits map[uint64]bool
	if strings.TrimSpace(f.Q) != "" {
		ids, err := s.searchDeals(ctx, actor.AccountID, f.Q)
		if err != nil {
			return nil, err
		}
		hits = map[uint64]bool{}
		for _, id := range ids {
			hits[id] = true
		}
	}
	out := &Board{Columns: []Column{}}
	err := s.db.View(func(tx *storage.Tx) error {
		p, err := Pipelines.Get(tx, actor.AccountID, pipelineID)
		if err != nil {
			return err
		}
		sees, err := scopeOf(tx, actor)
		if err != nil {
			return err
		}
		v, err := newViewer(tx, actor.AccountID)
		if err != nil {
			return err
		}
		out.Pipeline = viewPipeline(tx, p, sees)
		for _, st := range p.Stages {
			col := Column{StageID: st.ID, TotalCents: map[string]int64{}, WeightedCents: map[string]int64{}, Deals: []DealView{}}
			err := Deals.Each(tx, actor.AccountID, storage.Query{Index: "stage", Prefix: storage.Uint(st.ID)}, func(d *Deal) bool {
				if !sees(d.OwnerID) || !f.match(d) || hits != nil && !hits[d.ID] {
					return true
				}
				col.Count++
				col.TotalCents[d.Currency] = addCents(col.TotalCents[d.Currency], d.ValueCents)
				col.WeightedCents[d.Currency] = addCents(col.WeightedCents[d.Currency], Weighted(d.ValueCents, st.Probability))
				if len(col.Deals) < BoardDealsPerColumn {
					col.Deals = append(col.Deals, v.deal(d))
				}
				return true
			})
			if err != nil {
				return err
			}
			out.Columns = append(out.Columns, col)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MoveInput places a deal in a stage: Index is its 0-based place in the column (nil: last).
type MoveInput struct {
	StageID uint64 `json:"stage_id"`
	Index   *int   `json:"index,omitempty"`
}

// place gives d a position at index among the other deals of its stage. Positions keep gaps,
// so usually only d is written; when two neighbours touch, the column is renumbered.
func place(tx *storage.Tx, d *Deal, index *int) error {
	var col []Deal
	err := Deals.Each(tx, d.AccountID, storage.Query{Index: "stage", Prefix: storage.Uint(d.StageID)}, func(o *Deal) bool {
		if o.ID != d.ID {
			col = append(col, *o)
		}
		return true
	})
	if err != nil {
		return err
	}
	i := len(col)
	if index != nil {
		i = *index
	}
	positions := make([]int64, len(col))
	for k := range col {
		positions[k] = col[k].Position
	}
	pos, renumbered := storage.Place(positions, i, Gap)
	for k, p := range renumbered {
		if col[k].Position != p {
			col[k].Position = p
			if err := Deals.Put(tx, &col[k]); err != nil {
				return err
			}
		}
	}
	d.Position = pos
	return nil
}

// changeStage moves d to stage st of pipeline p at index, sets its status from the stage's
// kind and writes a history line when the stage or status changed.
func changeStage(tx *storage.Tx, d *Deal, p *Pipeline, st Stage, index *int, actor uint64, now time.Time) error {
	from := *d
	d.PipelineID, d.StageID = p.ID, st.ID
	setStatus(d, st, now)
	if err := place(tx, d, index); err != nil {
		return err
	}
	if from.StageID != d.StageID {
		d.StageChangedAt = now
	}
	if from.StageID == d.StageID && from.Status == d.Status {
		return nil
	}
	return StageHistory.Put(tx, &StageChange{AccountID: d.AccountID, DealID: d.ID, FromStageID: from.StageID, ToStageID: d.StageID,
		FromPipelineID: from.PipelineID, ToPipelineID: d.PipelineID, Status: d.Status, UserID: actor, At: now})
}

// Move puts a deal in a stage (of its pipeline or another) at a place in the column.
func (s *Service) Move(ctx context.Context, actor access.Actor, id uint64, in MoveInput) (*DealView, error) {
	return s.writeDeal(actor, id, func(tx *storage.Tx, d *Deal, now time.Time) error {
		p, st, err := stagePipeline(tx, actor.AccountID, in.StageID)
		if err != nil {
			return err
		}
		return changeStage(tx, d, p, st, in.Index, actor.UserID, now)
	})
}

// writeDeal runs a change on a visible deal for an actor who may manage the CRM, then saves it
// as activity with its event.
func (s *Service) writeDeal(actor access.Actor, id uint64, fn func(tx *storage.Tx, d *Deal, now time.Time) error) (*DealView, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	var out DealView
	err := s.db.Update(func(tx *storage.Tx) error {
		d, err := visibleDeal(tx, actor, id)
		if err != nil {
			return err
		}
		if err := fn(tx, d, time.Now().UTC()); err != nil {
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

// CloseInput is the won/lost form: the close date (default now) and why.
type CloseInput struct {
	ClosedOn string `json:"closed_on,omitempty" doc:"YYYY-MM-DD in the account's time zone; default now"`
	Reason   string `json:"reason,omitempty" maxLength:"500"`
}

// Won marks a deal won; Lost marks it lost. Each moves the deal to the pipeline's won or lost
// stage when it has one.
func (s *Service) Won(ctx context.Context, actor access.Actor, id uint64, in CloseInput) (*DealView, error) {
	return s.closeDeal(actor, id, DealWon, in)
}

// Lost marks a deal lost (see Won).
func (s *Service) Lost(ctx context.Context, actor access.Actor, id uint64, in CloseInput) (*DealView, error) {
	return s.closeDeal(actor, id, DealLost, in)
}

func (s *Service) closeDeal(actor access.Actor, id uint64, status string, in CloseInput) (*DealView, error) {
	reason := strings.TrimSpace(in.Reason)
	if len([]rune(reason)) > maxReason {
		return nil, apperr.Field("reason", "must be at most 500 characters")
	}
	return s.writeDeal(actor, id, func(tx *storage.Tx, d *Deal, now time.Time) error {
		closedAt := now
		if in.ClosedOn != "" {
			a, err := account(tx, actor.AccountID)
			if err != nil {
				return err
			}
			day, err := time.ParseInLocation(dateShape, in.ClosedOn, location(a))
			if err != nil {
				return apperr.Field("closed_on", "must be a date like 2025-12-31")
			}
			closedAt = day.Add(12 * time.Hour).UTC()
		}
		p, err := Pipelines.Get(tx, actor.AccountID, d.PipelineID)
		if err != nil {
			return err
		}
		if st, ok := p.stageOfKind(status); ok {
			if err := changeStage(tx, d, p, st, nil, actor.UserID, now); err != nil {
				return err
			}
		} else if d.Status != status {
			d.Status = status
			if err := StageHistory.Put(tx, &StageChange{AccountID: d.AccountID, DealID: d.ID, FromStageID: d.StageID, ToStageID: d.StageID,
				FromPipelineID: d.PipelineID, ToPipelineID: d.PipelineID, Status: status, UserID: actor.UserID, At: now}); err != nil {
				return err
			}
		}
		d.Status, d.ClosedAt, d.CloseReason = status, closedAt, reason
		return nil
	})
}

// ReopenInput picks the stage a reopened deal goes to (default the first open stage).
type ReopenInput struct {
	StageID uint64 `json:"stage_id,omitempty"`
}

// Reopen makes a closed deal open again in an open stage of its pipeline.
func (s *Service) Reopen(ctx context.Context, actor access.Actor, id uint64, in ReopenInput) (*DealView, error) {
	return s.writeDeal(actor, id, func(tx *storage.Tx, d *Deal, now time.Time) error {
		p, err := Pipelines.Get(tx, actor.AccountID, d.PipelineID)
		if err != nil {
			return err
		}
		st, ok := p.stageOfKind(StageOpen)
		if in.StageID != 0 {
			if st, ok = p.stage(in.StageID); !ok || st.Kind != StageOpen {
				return apperr.Field("stage_id", "is not an open stage of the deal's pipeline")
			}
		}
		if !ok {
			return apperr.Field("stage_id", "the pipeline has no open stage")
		}
		return changeStage(tx, d, p, st, nil, actor.UserID, now)
	})
}

// DealHistoryView is one line of a deal's stage history.
type DealHistoryView struct {
	ID             uint64   `json:"id"`
	FromStageID    uint64   `json:"from_stage_id"`
	ToStageID      uint64   `json:"to_stage_id"`
	FromPipelineID uint64   `json:"from_pipeline_id"`
	ToPipelineID   uint64   `json:"to_pipeline_id"`
	Status         string   `json:"status"`
	User           *UserRef `json:"user"`
	At             int64    `json:"at"`
}

// History lists a deal's stage changes, newest first.
func (s *Service) History(ctx context.Context, actor access.Actor, id uint64) ([]DealHistoryView, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	out := []DealHistoryView{}
	err := s.db.View(func(tx *storage.Tx) error {
		if _, err := visibleDeal(tx, actor, id); err != nil {
			return err
		}
		v, err := newViewer(tx, actor.AccountID)
		if err != nil {
			return err
		}
		return StageHistory.Each(tx, actor.AccountID, storage.Query{Index: "deal", Prefix: storage.Uint(id), Reverse: true}, func(h *StageChange) bool {
			out = append(out, DealHistoryView{ID: h.ID, FromStageID: h.FromStageID, ToStageID: h.ToStageID, FromPipelineID: h.FromPipelineID,
				ToPipelineID: h.ToPipelineID, Status: h.Status, User: v.user(h.UserID), At: h.At.Unix()})
			return true
		})
	})
	return out, err
}
