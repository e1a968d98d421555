package crm

import (
	"context"
	"slices"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/storage"
)

// ForecastTotal sums a pipeline's deals in one currency.
type ForecastTotal struct {
	Currency      string `json:"currency"`
	OpenCents     int64  `json:"open_cents"`
	WeightedCents int64  `json:"weighted_cents"`
	WonCents      int64  `json:"won_cents"`
	LostCents     int64  `json:"lost_cents"`
	OpenCount     int    `json:"open_count"`
	WonCount      int    `json:"won_count"`
	LostCount     int    `json:"lost_count"`
}

// ForecastStage sums one stage per currency.
type ForecastStage struct {
	StageID       uint64           `json:"stage_id"`
	Count         int              `json:"count"`
	ValueCents    map[string]int64 `json:"value_cents"`
	WeightedCents map[string]int64 `json:"weighted_cents"`
}

// Forecast is the weighted forecast of a pipeline.
type Forecast struct {
	Totals []ForecastTotal `json:"totals"`
	Stages []ForecastStage `json:"stages"`
}

// Forecast sums a pipeline's visible deals whose expected close date falls in [from, to]
// (either may be empty): open value weighted by the stage's probability, plus won and lost.
// Money is never added across currencies.
func (s *Service) Forecast(ctx context.Context, actor access.Actor, pipelineID uint64, from, to string) (*Forecast, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	f := DealFilters{CloseFrom: from, CloseTo: to}
	if err := f.check(); err != nil {
		return nil, err
	}
	out := &Forecast{Totals: []ForecastTotal{}, Stages: []ForecastStage{}}
	err := s.db.View(func(tx *storage.Tx) error {
		p, err := Pipelines.Get(tx, actor.AccountID, pipelineID)
		if err != nil {
			return err
		}
		sees, err := scopeOf(tx, actor)
		if err != nil {
			return err
		}
		totals := map[string]*ForecastTotal{}
		for _, st := range p.Stages {
			fs := ForecastStage{StageID: st.ID, ValueCents: map[string]int64{}, WeightedCents: map[string]int64{}}
			err := Deals.Each(tx, actor.AccountID, storage.Query{Index: "stage", Prefix: storage.Uint(st.ID)}, func(d *Deal) bool {
				if !sees(d.OwnerID) || !f.match(d) {
					return true
				}
				w := Weighted(d.ValueCents, st.Probability)
				fs.Count++
				fs.ValueCents[d.Currency] = addCents(fs.ValueCents[d.Currency], d.ValueCents)
				fs.WeightedCents[d.Currency] = addCents(fs.WeightedCents[d.Currency], w)
				t := totals[d.Currency]
				if t == nil {
					t = &ForecastTotal{Currency: d.Currency}
					totals[d.Currency] = t
				}
				switch d.Status {
				case DealWon:
					t.WonCents = addCents(t.WonCents, d.ValueCents)
					t.WonCount++
				case DealLost:
					t.LostCents = addCents(t.LostCents, d.ValueCents)
					t.LostCount++
				default:
					t.OpenCents = addCents(t.OpenCents, d.ValueCents)
					t.WeightedCents = addCents(t.WeightedCents, w)
					t.OpenCount++
				}
				return true
			})
			if err != nil {
				return err
			}
			out.Stages = append(out.Stages, fs)
		}
		for _, t := range totals {
			out.Totals = append(out.Totals, *t)
		}
		slices.SortFunc(out.Totals, func(a, b ForecastTotal) int {
			if a.Currency < b.Currency {
				return -1
			}
			return 1
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
