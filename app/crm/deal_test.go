package crm

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/catalog"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
	"github.com/parleyhq/parley/storage/storagetest"
	"golang.org/x/crypto/bcrypt"
)

// fixture is an account with an administrator and an agent on a real store.
type fixture struct {
	t     *testing.T
	db    *storage.DB
	s     *Service
	blobs *blob.Store
	admin access.Actor
	agent access.Actor
	ctx   context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := storagetest.Open(t, t.TempDir(), storage.Options{})
	a := auth.New(db, auth.Options{BcryptCost: bcrypt.MinCost})
	acc := accounts.New(db, a)
	ctx := context.Background()
	res, err := acc.Setup(ctx, accounts.SetupInput{AccountName: "Loja", Name: "Olga Owner", Email: "owner@example.com", Password: "correct horse", TimeZone: "America/Sao_Paulo", Currency: "BRL", Language: "pt-BR"})
	if err != nil {
		t.Fatal(err)
	}
	admin := access.Actor{UserID: res.UserID, AccountID: res.AccountID, Role: access.Administrator}
	ag, err := acc.AddAgent(ctx, admin, accounts.NewAgent{Name: "Bruno Lima", Email: "bruno@example.com", Role: access.Agent, Password: "long enough pw"})
	if err != nil {
		t.Fatal(err)
	}
	bs := blob.New(db)
	return &fixture{t: t, db: db, s: New(Deps{DB: db, Blobs: bs, Catalog: catalog.New(db)}), blobs: bs, admin: admin, ctx: ctx,
		agent: access.Actor{UserID: ag.ID, UserName: "Bruno Lima", AccountID: res.AccountID, Role: access.Agent, Permissions: access.AgentDefaults}}
}

func (f *fixture) pipeline(template string) *PipelineView {
	f.t.Helper()
	p, err := f.s.CreatePipeline(f.ctx, f.admin, PipelineInput{Template: template})
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *fixture) deal(actor access.Actor, in DealInput) *DealView {
	f.t.Helper()
	if in.Title == nil {
		in.Title = ptr("Deal")
	}
	d, err := f.s.CreateDeal(f.ctx, actor, in)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

func ptr[T any](v T) *T { return &v }

// fieldErr fails unless err is a field error on field whose message contains want.
func fieldErr(t *testing.T, err error, field, want string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Fields[field] == "" || !strings.Contains(e.Fields[field], want) {
		t.Fatalf("want field error %s ~ %q, got %v (%#v)", field, want, err, e)
	}
}

func TestDealTemplatesBuildValidPipelines(t *testing.T) {
	f := newFixture(t)
	for _, lang := range []string{"en", "pt-BR"} {
		ts := Templates(lang)
		if len(ts) != 6 {
			t.Fatalf("%s: %d templates", lang, len(ts))
		}
		for _, tm := range ts {
			last := tm.Stages[len(tm.Stages)-2:]
			if last[0].Kind != StageWon || last[0].Probability != 100 || last[1].Kind != StageLost || last[1].Probability != 0 {
				t.Fatalf("%s %s ends with %+v", lang, tm.Key, last)
			}
		}
	}
	if Templates("en")[0].Name == Templates("pt-BR")[0].Name {
		t.Fatal("template names are not translated")
	}
	for _, tm := range Templates("pt-BR") {
		p := f.pipeline(tm.Key)
		if p.Name != tm.Name || len(p.Stages) != len(tm.Stages) || p.StaleDays != DefaultStaleDays {
			t.Fatalf("%s built %+v", tm.Key, p)
		}
		seen := map[uint64]bool{}
		for _, st := range p.Stages {
			if st.ID == 0 || seen[st.ID] {
				t.Fatalf("%s: stage ids not unique: %+v", tm.Key, p.Stages)
			}
			seen[st.ID] = true
		}
	}
}

func TestDealStageRules(t *testing.T) {
	f := newFixture(t)
	_, err := f.s.CreatePipeline(f.ctx, f.admin, PipelineInput{Name: ptr("X"), Stages: []StageInput{
		{Name: "A"}, {Name: "B"}, {Name: "C"}, {Name: "D"}, {Name: "Won", Kind: StageWon, Probability: ptr(90)}}})
	fieldErr(t, err, "stages[4].probability", "100")
	_, err = f.s.CreatePipeline(f.ctx, f.admin, PipelineInput{Name: ptr("X"), Stages: []StageInput{{Name: "Won", Kind: StageWon}, {Name: "Lost", Kind: StageLost}}})
	fieldErr(t, err, "stages", "open stage")
	_, err = f.s.CreatePipeline(f.ctx, f.admin, PipelineInput{Name: ptr("X"), Stages: []StageInput{{Name: "A"}, {Name: "a"}, {Name: "W1", Kind: StageWon}, {Name: "W2", Kind: StageWon}}, StaleDays: ptr(0)})
	fieldErr(t, err, "stages[1].name", "another stage")
	fieldErr(t, err, "stages", "at most one won")
	fieldErr(t, err, "stale_days", "between 1 and 365")
	_, err = f.s.CreatePipeline(f.ctx, f.admin, PipelineInput{Name: ptr("X"), Stages: []StageInput{{Name: "A", Color: "red"}}})
	fieldErr(t, err, "stages[0].color", "#")

	p, err := f.s.CreatePipeline(f.ctx, f.admin, PipelineInput{Name: ptr("Vendas"), Stages: []StageInput{{Name: "Lead"}, {Name: "Proposal"}, {Name: "Won", Kind: StageWon}, {Name: "Lost", Kind: StageLost, Probability: ptr(0)}}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Stages[2].Probability != 100 || p.Stages[3].Probability != 0 {
		t.Fatalf("won/lost probabilities %+v", p.Stages)
	}
	for range 3 {
		f.deal(f.admin, DealInput{PipelineID: p.ID, StageID: p.Stages[1].ID})
	}
	keep := []StageInput{{ID: p.Stages[0].ID, Name: "Lead in"}, {ID: p.Stages[2].ID, Name: "Won"}, {Name: "New"}}
	_, err = f.s.UpdatePipeline(f.ctx, f.admin, p.ID, PipelineInput{Stages: keep})
	fieldErr(t, err, "stages", "Proposal still has 3 deals; move them first")
	keep = append(keep, StageInput{ID: p.Stages[1].ID, Name: "Proposta"})
	up, err := f.s.UpdatePipeline(f.ctx, f.admin, p.ID, PipelineInput{Stages: keep})
	if err != nil {
		t.Fatal(err)
	}
	if len(up.Stages) != 4 || up.Stages[0].Name != "Lead in" || up.Stages[0].ID != p.Stages[0].ID || up.Stages[3].ID != p.Stages[1].ID || up.Stages[2].ID == 0 || up.DealsCount != 3 {
		t.Fatalf("updated %+v", up)
	}
	if err := f.s.DeletePipeline(f.ctx, f.admin, p.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("delete with deals: %v", err)
	}
}

func TestDealMoveIndexAndRenumber(t *testing.T) {
	f := newFixture(t)
	p := f.pipeline("b2b_sales")
	s0, s1 := p.Stages[0].ID, p.Stages[1].ID
	var ids []uint64
	for range 3 {
		ids = append(ids, f.deal(f.admin, DealInput{PipelineID: p.ID}).ID)
	}
	column := func(stage uint64) []uint64 {
		b, err := f.s.Board(f.ctx, f.admin, p.ID, DealFilters{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range b.Columns {
			if c.StageID == stage {
				var out []uint64
				for _, d := range c.Deals {
					out = append(out, d.ID)
				}
				return out
			}
		}
		return nil
	}
	same := func(got, want []uint64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("column %v, want %v", got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("column %v, want %v", got, want)
			}
		}
	}
	same(column(s0), ids)
	if _, err := f.s.Move(f.ctx, f.admin, ids[2], MoveInput{StageID: s0, Index: ptr(0)}); err != nil {
		t.Fatal(err)
	}
	same(column(s0), []uint64{ids[2], ids[0], ids[1]})
	// Squeeze many moves between the same two neighbours until the gap runs out.
	for i := range 25 {
		mover := ids[i%2]
		if _, err := f.s.Move(f.ctx, f.admin, mover, MoveInput{StageID: s0, Index: ptr(1)}); err != nil {
			t.Fatal(err)
		}
	}
	got := column(s0)
	if len(got) != 3 || got[0] != ids[2] {
		t.Fatalf("after squeezing: %v", got)
	}
	f.db.View(func(tx *storage.Tx) error {
		var last int64 = -1 << 62
		return Deals.Each(tx, f.admin.AccountID, storage.Query{Index: "stage", Prefix: storage.Uint(s0)}, func(d *Deal) bool {
			if d.Position <= last {
				t.Fatalf("positions not increasing")
			}
			last = d.Position
			return true
		})
	})
	d, err := f.s.Move(f.ctx, f.admin, ids[0], MoveInput{StageID: s1})
	if err != nil || d.StageID != s1 || d.Status != DealOpen {
		t.Fatalf("move to s1: %+v %v", d, err)
	}
	other := f.pipeline("services")
	d, err = f.s.Move(f.ctx, f.admin, ids[0], MoveInput{StageID: other.Stages[1].ID})
	if err != nil || d.PipelineID != other.ID {
		t.Fatalf("move across pipelines: %+v %v", d, err)
	}
	h, err := f.s.History(f.ctx, f.admin, ids[0])
	if err != nil || len(h) != 3 || h[0].ToPipelineID != other.ID || h[0].FromStageID != s1 || h[2].FromStageID != 0 {
		t.Fatalf("history %+v %v", h, err)
	}
}

func TestDealWonLostReopen(t *testing.T) {
	f := newFixture(t)
	p := f.pipeline("b2b_sales")
	wonStage, lostStage := p.Stages[len(p.Stages)-2].ID, p.Stages[len(p.Stages)-1].ID
	d := f.deal(f.admin, DealInput{PipelineID: p.ID})
	w, err := f.s.Won(f.ctx, f.admin, d.ID, CloseInput{ClosedOn: "2025-03-10", Reason: "Preço"})
	if err != nil {
		t.Fatal(err)
	}
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	if w.Status != DealWon || w.StageID != wonStage || w.CloseReason != "Preço" || w.Health != HealthClosed ||
		*w.ClosedAt != time.Date(2025, 3, 10, 12, 0, 0, 0, sp).Unix() {
		t.Fatalf("won: %+v", w)
	}
	_, err = f.s.Lost(f.ctx, f.admin, d.ID, CloseInput{Reason: strings.Repeat("x", 501)})
	fieldErr(t, err, "reason", "500")
	l, err := f.s.Lost(f.ctx, f.admin, d.ID, CloseInput{Reason: "Sumiu"})
	if err != nil || l.Status != DealLost || l.StageID != lostStage {
		t.Fatalf("lost: %+v %v", l, err)
	}
	_, err = f.s.Reopen(f.ctx, f.admin, d.ID, ReopenInput{StageID: wonStage})
	fieldErr(t, err, "stage_id", "open stage")
	r, err := f.s.Reopen(f.ctx, f.admin, d.ID, ReopenInput{})
	if err != nil || r.Status != DealOpen || r.StageID != p.Stages[0].ID || r.ClosedAt != nil || r.CloseReason != "" {
		t.Fatalf("reopen: %+v %v", r, err)
	}
	// A move into the won column wins the deal too.
	m, err := f.s.Move(f.ctx, f.admin, d.ID, MoveInput{StageID: wonStage})
	if err != nil || m.Status != DealWon || m.ClosedAt == nil {
		t.Fatalf("move to won: %+v %v", m, err)
	}
	h, _ := f.s.History(f.ctx, f.admin, d.ID)
	want := []string{DealWon, DealOpen, DealLost, DealWon, DealOpen}
	if len(h) != len(want) {
		t.Fatalf("history %+v", h)
	}
	for i := range want {
		if h[i].Status != want[i] || h[i].User == nil || h[i].User.Name != "Olga Owner" {
			t.Fatalf("history[%d] = %+v", i, h[i])
		}
	}
	// A pipeline without won/lost stages keeps the deal in place.
	bare, err := f.s.CreatePipeline(f.ctx, f.admin, PipelineInput{Name: ptr("Bare"), Stages: []StageInput{{Name: "Only"}}})
	if err != nil {
		t.Fatal(err)
	}
	d2 := f.deal(f.admin, DealInput{PipelineID: bare.ID})
	w2, err := f.s.Won(f.ctx, f.admin, d2.ID, CloseInput{})
	if err != nil || w2.Status != DealWon || w2.StageID != bare.Stages[0].ID {
		t.Fatalf("won without a won stage: %+v %v", w2, err)
	}
}

func TestDealHealth(t *testing.T) {
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	now := time.Date(2025, 5, 20, 1, 0, 0, 0, time.UTC) // 22:00 on the 19th in São Paulo
	p := &Pipeline{StaleDays: 10}
	day := 24 * time.Hour
	for _, c := range []struct {
		name string
		d    Deal
		want string
	}{
		{"won", Deal{Status: DealWon, ExpectedCloseOn: "2020-01-01"}, HealthClosed},
		{"lost", Deal{Status: DealLost}, HealthClosed},
		{"past close date", Deal{Status: DealOpen, ExpectedCloseOn: "2025-05-18", StageChangedAt: now}, HealthOverdue},
		{"today in the account's zone is not overdue", Deal{Status: DealOpen, ExpectedCloseOn: "2025-05-19", StageChangedAt: now}, HealthOnTrack},
		{"stale", Deal{Status: DealOpen, StageChangedAt: now.Add(-11 * day), LastActivityAt: now.Add(-11 * day)}, HealthStalled},
		{"exactly stale days is not stalled", Deal{Status: DealOpen, StageChangedAt: now.Add(-10 * day)}, HealthOnTrack},
		{"recent activity", Deal{Status: DealOpen, StageChangedAt: now.Add(-30 * day), LastActivityAt: now.Add(-day)}, HealthOnTrack},
		{"overdue beats stalled", Deal{Status: DealOpen, ExpectedCloseOn: "2025-01-01", StageChangedAt: now.Add(-30 * day)}, HealthOverdue},
	} {
		if got := Health(&c.d, p, now, sp); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	if got := Health(&Deal{Status: DealOpen, StageChangedAt: now.Add(-15 * day)}, nil, now, time.UTC); got != HealthStalled {
		t.Errorf("default stale days: %s", got)
	}
}

func TestDealForecastPerCurrency(t *testing.T) {
	f := newFixture(t)
	p := f.pipeline("b2b_sales") // Lead 10 %, Qualified 25 %
	f.deal(f.admin, DealInput{PipelineID: p.ID, ValueCents: ptr[int64](1005), ExpectedCloseOn: ptr("2025-06-01")})
	f.deal(f.admin, DealInput{PipelineID: p.ID, StageID: p.Stages[1].ID, ValueCents: ptr[int64](10002), ExpectedCloseOn: ptr("2025-06-10")})
	f.deal(f.admin, DealInput{PipelineID: p.ID, ValueCents: ptr[int64](500), Currency: ptr("USD"), ExpectedCloseOn: ptr("2025-06-01")})
	won := f.deal(f.admin, DealInput{PipelineID: p.ID, ValueCents: ptr[int64](7000), ExpectedCloseOn: ptr("2025-06-05")})
	f.s.Won(f.ctx, f.admin, won.ID, CloseInput{})
	f.deal(f.admin, DealInput{PipelineID: p.ID, ValueCents: ptr[int64](99999), ExpectedCloseOn: ptr("2025-08-01")})

	fc, err := f.s.Forecast(f.ctx, f.admin, p.ID, "2025-06-01", "2025-06-30")
	if err != nil {
		t.Fatal(err)
	}
	if len(fc.Totals) != 2 {
		t.Fatalf("totals %+v", fc.Totals)
	}
	brl, usd := fc.Totals[0], fc.Totals[1]
	// 1005 × 10 % = 100.5 → 101; 10002 × 25 % = 2500.5 → 2501.
	if brl.Currency != "BRL" || brl.OpenCents != 11007 || brl.WeightedCents != 101+2501 || brl.WonCents != 7000 || brl.OpenCount != 2 || brl.WonCount != 1 {
		t.Fatalf("BRL %+v", brl)
	}
	if usd.Currency != "USD" || usd.OpenCents != 500 || usd.WeightedCents != 50 {
		t.Fatalf("USD %+v", usd)
	}
	if fc.Stages[0].ValueCents["BRL"] != 1005 || fc.Stages[0].WeightedCents["USD"] != 50 || fc.Stages[1].WeightedCents["BRL"] != 2501 {
		t.Fatalf("stages %+v", fc.Stages)
	}
	b, _ := f.s.Board(f.ctx, f.admin, p.ID, DealFilters{})
	if b.Columns[0].Count != 3 || b.Columns[0].TotalCents["BRL"] != 1005+99999 || b.Columns[0].WeightedCents["USD"] != 50 {
		t.Fatalf("board column %+v", b.Columns[0])
	}
}

func TestDealLineItemArithmetic(t *testing.T) {
	for _, c := range []struct {
		name             string
		qty, price       int64
		dtype            string
		dval             int64
		sub, disc, total int64
	}{
		{"plain", 1000, 1999, DiscountNone, 0, 1999, 0, 1999},
		{"quantity decimals round half away", 1500, 333, DiscountNone, 0, 500, 0, 500}, // 499.5 → 500
		{"below half rounds down", 1001, 100, DiscountNone, 0, 100, 0, 100},            // 100.1
		{"fixed", 2000, 1000, DiscountFixed, 300, 2000, 300, 1700},
		{"fixed larger than subtotal is never negative", 1000, 1000, DiscountFixed, 5000, 1000, 5000, 0},
		{"percent", 1000, 999, DiscountPercent, 1000, 999, 100, 899}, // 10 % of 999 = 99.9 → 100
		{"percent decimals", 1000, 10000, DiscountPercent, 1250, 10000, 1250, 8750},
		{"percent half", 1000, 5, DiscountPercent, 1000, 5, 1, 4}, // 0.5 → 1
		{"hundred percent", 3000, 700, DiscountPercent, 10000, 2100, 2100, 0},
	} {
		l := LineItem{QuantityMilli: c.qty, UnitPriceCents: c.price, DiscountType: c.dtype, DiscountValue: c.dval}
		a, ok := l.Compute()
		if !ok || a.Subtotal != c.sub || a.Discount != c.disc || a.Total != c.total {
			t.Errorf("%s: %+v ok=%v, want %d/%d/%d", c.name, a, ok, c.sub, c.disc, c.total)
		}
	}
	huge := LineItem{QuantityMilli: 1e12, UnitPriceCents: maxMoney, DiscountType: DiscountNone}
	if _, ok := huge.Compute(); ok {
		t.Error("an overflowing line computes")
	}
}

func TestDealLineItemsSetValueAndCurrency(t *testing.T) {
	f := newFixture(t)
	p := f.pipeline("ecommerce")
	d := f.deal(f.admin, DealInput{PipelineID: p.ID, ValueCents: ptr[int64](5000)})
	var prod catalog.Product
	f.db.Update(func(tx *storage.Tx) error {
		prod = catalog.Product{AccountID: f.admin.AccountID, Name: "Plano Pro", SKU: "PRO", PriceCents: 10000, Currency: "USD", Active: true}
		return catalog.Products.Put(tx, &prod)
	})
	_, err := f.s.AddLineItem(f.ctx, f.admin, d.ID, LineItemInput{Quantity: ptr(1.2345)})
	fieldErr(t, err, "quantity", "3 decimal")
	fieldErr(t, err, "name", "required")
	_, err = f.s.AddLineItem(f.ctx, f.admin, d.ID, LineItemInput{Name: ptr("x"), DiscountType: ptr(DiscountPercent), DiscountValue: ptr(10.555)})
	fieldErr(t, err, "discount_value", "2 decimal")

	li, err := f.s.AddLineItem(f.ctx, f.admin, d.ID, LineItemInput{ProductID: prod.ID, Quantity: ptr(2.5), DiscountType: ptr(DiscountPercent), DiscountValue: ptr(10.0)})
	if err != nil {
		t.Fatal(err)
	}
	if li.Name != "Plano Pro" || li.SKU != "PRO" || li.UnitPriceCents != 10000 || li.SubtotalCents != 25000 || li.DiscountCents != 2500 || li.TotalCents != 22500 || li.Quantity != 2.5 || li.DiscountValue != 10 {
		t.Fatalf("line %+v", li)
	}
	got, _ := f.s.GetDeal(f.ctx, f.admin, d.ID)
	if got.Currency != "USD" || got.ValueCents != 22500 || got.ValueMode != "auto" || got.Counters.LineItems != 1 {
		t.Fatalf("deal after first line %+v", got)
	}
	_, err = f.s.AddLineItem(f.ctx, f.admin, d.ID, LineItemInput{Name: ptr("Setup"), UnitPriceCents: ptr[int64](100), Currency: ptr("BRL")})
	fieldErr(t, err, "currency", "is priced in BRL; this deal is in USD")
	_, err = f.s.UpdateDeal(f.ctx, f.admin, d.ID, DealInput{ValueCents: ptr[int64](1)})
	fieldErr(t, err, "value_cents", "sum of the line items")
	_, err = f.s.UpdateDeal(f.ctx, f.admin, d.ID, DealInput{Currency: ptr("BRL")})
	fieldErr(t, err, "currency", "set by the line items")

	// The product changes; the line does not.
	f.db.Update(func(tx *storage.Tx) error {
		prod.Name, prod.PriceCents = "Plano Pro 2", 99900
		return catalog.Products.Put(tx, &prod)
	})
	one, err := f.s.AddLineItem(f.ctx, f.admin, d.ID, LineItemInput{Name: ptr("Setup"), UnitPriceCents: ptr[int64](1000), DiscountType: ptr(DiscountFixed), DiscountValue: ptr(5000.0)})
	if err != nil || one.TotalCents != 0 {
		t.Fatalf("one-off line %+v %v", one, err)
	}
	items, _ := f.s.LineItems(f.ctx, f.admin, d.ID)
	if len(items) != 2 || items[0].Name != "Plano Pro" || items[0].UnitPriceCents != 10000 {
		t.Fatalf("snapshot changed: %+v", items)
	}
	up, err := f.s.UpdateLineItem(f.ctx, f.admin, d.ID, li.ID, LineItemInput{Quantity: ptr(1.0)})
	if err != nil || up.TotalCents != 9000 {
		t.Fatalf("update line %+v %v", up, err)
	}
	got, _ = f.s.GetDeal(f.ctx, f.admin, d.ID)
	if got.ValueCents != 9000 {
		t.Fatalf("value after edit %d", got.ValueCents)
	}
	f.s.DeleteLineItem(f.ctx, f.admin, d.ID, one.ID)
	if err := f.s.DeleteLineItem(f.ctx, f.admin, d.ID, li.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = f.s.GetDeal(f.ctx, f.admin, d.ID)
	if got.ValueCents != 9000 || got.ValueMode != "manual" || got.Counters.LineItems != 0 {
		t.Fatalf("after the last line %+v", got)
	}
	if got, err = f.s.UpdateDeal(f.ctx, f.admin, d.ID, DealInput{ValueCents: ptr[int64](1234)}); err != nil || got.ValueCents != 1234 {
		t.Fatalf("manual value again: %+v %v", got, err)
	}
}

func TestDealPartsAndCounters(t *testing.T) {
	f := newFixture(t)
	p := f.pipeline("services")
	d := f.deal(f.admin, DealInput{PipelineID: p.ID})
	n, err := f.s.AddNote(f.ctx, f.agent, d.ID, DealNoteInput{Content: " ligar amanhã "})
	if err != nil || n.Content != "ligar amanhã" || n.User.Name != "Bruno Lima" {
		t.Fatalf("note %+v %v", n, err)
	}
	_, err = f.s.AddNote(f.ctx, f.admin, d.ID, DealNoteInput{Content: strings.Repeat("a", MaxNoteLen+1)})
	fieldErr(t, err, "content", "10000")
	adminNote, _ := f.s.AddNote(f.ctx, f.admin, d.ID, DealNoteInput{Content: "admin"})
	if _, err := f.s.UpdateNote(f.ctx, f.agent, d.ID, adminNote.ID, DealNoteInput{Content: "mine now"}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent edits another's note: %v", err)
	}
	if err := f.s.DeleteNote(f.ctx, f.admin, d.ID, n.ID); err != nil {
		t.Fatal(err)
	}

	c1, _ := f.s.AddChecklistItem(f.ctx, f.admin, d.ID, DealChecklistInput{Text: ptr("Enviar proposta")})
	c2, _ := f.s.AddChecklistItem(f.ctx, f.admin, d.ID, DealChecklistInput{Text: ptr("Assinar")})
	done, err := f.s.UpdateChecklistItem(f.ctx, f.agent, d.ID, c2.ID, DealChecklistInput{Done: ptr(true), Position: ptr(0)})
	if err != nil || !done.Done || done.DoneAt == nil || done.DoneBy != f.agent.UserID || done.Position != 0 {
		t.Fatalf("tick %+v %v", done, err)
	}
	list, _ := f.s.Checklist(f.ctx, f.admin, d.ID)
	if len(list) != 2 || list[0].ID != c2.ID || list[1].ID != c1.ID || list[1].Position != 1 {
		t.Fatalf("checklist order %+v", list)
	}

	body := bytes.Repeat([]byte("%PDF-1.4 proposal "), 100)
	a, err := f.s.AddAttachment(f.ctx, f.admin, d.ID, "../../proposta.pdf", "application/pdf", bytes.NewReader(body))
	if err != nil || a.FileName != "proposta.pdf" || a.Size != int64(len(body)) {
		t.Fatalf("attachment %+v %v", a, err)
	}
	_, file, err := f.s.OpenAttachment(f.ctx, f.admin, d.ID, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	read, _ := io.ReadAll(file)
	file.Close()
	if !bytes.Equal(read, body) {
		t.Fatal("attachment bytes differ")
	}
	var hash string
	f.db.View(func(tx *storage.Tx) error {
		at, _ := Attachments.Get(tx, f.admin.AccountID, a.ID)
		hash = at.Hash
		if blob.Refs(tx, f.admin.AccountID, hash) != 1 {
			t.Fatal("attachment holds no blob reference")
		}
		return nil
	})
	got, _ := f.s.GetDeal(f.ctx, f.admin, d.ID)
	want := Counters{Notes: 1, Attachments: 1, ChecklistDone: 1, ChecklistTotal: 2}
	if got.Counters != want {
		t.Fatalf("counters %+v, want %+v", got.Counters, want)
	}
	_, err = f.s.AddAttachment(f.ctx, f.admin, d.ID, "big.bin", "", io.LimitReader(zeros{}, MaxAttachment+1))
	fieldErr(t, err, "file", "larger")
	if err := f.s.DeleteDeal(f.ctx, f.admin, d.ID); err != nil {
		t.Fatal(err)
	}
	f.db.View(func(tx *storage.Tx) error {
		if blob.Refs(tx, f.admin.AccountID, hash) != 0 || Notes.Len(tx, f.admin.AccountID) != 0 || Checklist.Len(tx, f.admin.AccountID) != 0 {
			t.Fatal("deleting the deal left its parts")
		}
		return nil
	})
	if _, err := os.Stat(filepath.Join(f.db.Dir(), blob.Dir, hash[:2], hash[2:])); !os.IsNotExist(err) {
		t.Fatalf("blob file still there: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestDealSavedViewsPerUser(t *testing.T) {
	f := newFixture(t)
	v, err := f.s.CreateView(f.ctx, f.agent, SavedViewInput{Name: ptr("Minhas urgentes"), Filters: &DealFilters{Priority: "urgent", OwnerID: f.agent.UserID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CreateView(f.ctx, f.agent, SavedViewInput{Name: ptr("minhas URGENTES")}); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("duplicate name: %v", err)
	}
	if _, err := f.s.CreateView(f.ctx, f.admin, SavedViewInput{Name: ptr("Minhas urgentes")}); err != nil {
		t.Fatalf("another user's same name: %v", err)
	}
	_, err = f.s.CreateView(f.ctx, f.agent, SavedViewInput{Name: ptr("bad"), Filters: &DealFilters{Priority: "asap"}})
	fieldErr(t, err, "filters.priority", "urgent")
	if vs, _ := f.s.Views(f.ctx, f.admin); len(vs) != 1 {
		t.Fatalf("admin sees %d views", len(vs))
	}
	if _, err := f.s.UpdateView(f.ctx, f.admin, v.ID, SavedViewInput{Name: ptr("x")}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another user's view: %v", err)
	}
	for i := range MaxViews - 1 {
		if _, err := f.s.CreateView(f.ctx, f.agent, SavedViewInput{Name: ptr("v" + string(rune('a'+i%26)) + string(rune('a'+i/26)))}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = f.s.CreateView(f.ctx, f.agent, SavedViewInput{Name: ptr("one too many")})
	fieldErr(t, err, "name", "50")
}

func TestDealPrivacyPermissionsAndIsolation(t *testing.T) {
	f := newFixture(t)
	p := f.pipeline("b2b_sales")
	mine := f.deal(f.agent, DealInput{PipelineID: p.ID, ValueCents: ptr[int64](100)})
	theirs := f.deal(f.admin, DealInput{PipelineID: p.ID, ValueCents: ptr[int64](900)})
	if mine.OwnerID != f.agent.UserID || mine.Owner.Name != "Bruno Lima" {
		t.Fatalf("owner defaults to the creator: %+v", mine)
	}
	f.db.Update(func(tx *storage.Tx) error {
		a, _ := accounts.Accounts.Get(tx, 0, f.admin.AccountID)
		a.OwnerPrivacy = true
		return accounts.Accounts.Put(tx, a)
	})
	if _, err := f.s.GetDeal(f.ctx, f.agent, theirs.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("hidden deal: %v", err)
	}
	if _, err := f.s.Move(f.ctx, f.agent, theirs.ID, MoveInput{StageID: p.Stages[1].ID}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("move hidden deal: %v", err)
	}
	l, _ := f.s.ListDeals(f.ctx, f.agent, DealQuery{})
	b, _ := f.s.Board(f.ctx, f.agent, p.ID, DealFilters{})
	fc, _ := f.s.Forecast(f.ctx, f.agent, p.ID, "", "")
	if l.Meta.Count != 1 || b.Columns[0].Count != 1 || b.Pipeline.DealsCount != 1 || fc.Totals[0].OpenCents != 100 {
		t.Fatalf("privacy leaks: list %d, board %d, forecast %+v", l.Meta.Count, b.Columns[0].Count, fc.Totals)
	}
	if l, _ := f.s.ListDeals(f.ctx, f.admin, DealQuery{}); l.Meta.Count != 2 {
		t.Fatalf("admin sees %d", l.Meta.Count)
	}

	viewer := f.agent
	viewer.Permissions = map[string]access.Level{Module: access.View}
	if _, err := f.s.CreateDeal(f.ctx, viewer, DealInput{PipelineID: p.ID, Title: ptr("x")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("viewer creates: %v", err)
	}
	if _, err := f.s.Move(f.ctx, viewer, mine.ID, MoveInput{StageID: p.Stages[1].ID}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("viewer moves: %v", err)
	}
	if _, err := f.s.GetDeal(f.ctx, viewer, mine.ID); err != nil {
		t.Fatalf("viewer reads: %v", err)
	}

	var other uint64
	f.db.Update(func(tx *storage.Tx) error {
		a := &accounts.Account{Name: "Other", Currency: "USD"}
		err := accounts.Accounts.Put(tx, a)
		other = a.ID
		return err
	})
	stranger := access.Actor{UserID: 999, AccountID: other, Role: access.Administrator}
	if _, err := f.s.GetDeal(f.ctx, stranger, mine.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("other account reads: %v", err)
	}
	if _, err := f.s.CreateDeal(f.ctx, stranger, DealInput{PipelineID: p.ID, Title: ptr("x")}); err == nil {
		t.Fatal("other account uses our pipeline")
	}
	op, err := f.s.CreatePipeline(f.ctx, stranger, PipelineInput{Template: "services"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.s.CreateDeal(f.ctx, stranger, DealInput{PipelineID: op.ID, Title: ptr("x"), ContactID: ptr(uint64(1)), OwnerID: ptr(f.agent.UserID)})
	fieldErr(t, err, "owner_id", "member")
	// Stage ids are numbered per account: the same number names our own stage, never theirs.
	if m, err := f.s.Move(f.ctx, f.admin, mine.ID, MoveInput{StageID: op.Stages[0].ID}); err == nil && m.PipelineID == op.ID {
		t.Fatal("moved into another account's pipeline")
	}
	_, err = f.s.Move(f.ctx, f.admin, mine.ID, MoveInput{StageID: 9999})
	fieldErr(t, err, "stage_id", "not a stage")
}

func TestDealMergeUnlinkAndCriterion(t *testing.T) {
	f := newFixture(t)
	p := f.pipeline("b2b_sales")
	var a, b, c contacts.Contact
	f.db.Update(func(tx *storage.Tx) error {
		for _, ct := range []*contacts.Contact{&a, &b, &c} {
			ct.AccountID = f.admin.AccountID
			ct.Name = "C"
			if err := contacts.Contacts.Put(tx, ct); err != nil {
				return err
			}
		}
		return nil
	})
	d1 := f.deal(f.admin, DealInput{PipelineID: p.ID, ContactID: &a.ID})
	d2 := f.deal(f.admin, DealInput{PipelineID: p.ID, ContactID: &b.ID})
	f.s.Won(f.ctx, f.admin, d2.ID, CloseInput{})
	if d1.Contact == nil || d1.Contact.ID != a.ID {
		t.Fatalf("contact on view %+v", d1.Contact)
	}
	crit := func(op string, v any) map[uint64]bool {
		var out map[uint64]bool
		f.db.View(func(tx *storage.Tx) (err error) {
			out, err = f.s.hasOpenDealCriterion(tx, f.admin, op, []any{v})
			return err
		})
		return out
	}
	if got := crit("equal_to", true); len(got) != 1 || !got[a.ID] {
		t.Fatalf("has open deal: %v", got)
	}
	if got := crit("equal_to", false); len(got) != 2 || got[a.ID] || !got[b.ID] || !got[c.ID] {
		t.Fatalf("has no open deal: %v", got)
	}
	if got := crit("not_equal_to", "false"); len(got) != 1 || !got[a.ID] {
		t.Fatalf("not_equal_to false: %v", got)
	}
	err := f.db.Update(func(tx *storage.Tx) error { return f.s.MergeContacts(tx, f.admin.AccountID, a.ID, c.ID, f.admin) })
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.s.GetDeal(f.ctx, f.admin, d1.ID); got.ContactID != c.ID {
		t.Fatalf("merge left contact %d", got.ContactID)
	}
	err = f.db.Update(func(tx *storage.Tx) error { return f.s.DeleteContact(tx, f.admin.AccountID, b.ID, f.admin) })
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.s.GetDeal(f.ctx, f.admin, d2.ID); err != nil || got.ContactID != 0 || got.Contact != nil {
		t.Fatalf("unlinked deal %+v %v", got, err)
	}
}

// Line items take products through the catalog: archived products and products of another
// account are refused, and nothing is written.
func TestDealLineItemRefusesArchivedAndForeignProducts(t *testing.T) {
	f := newFixture(t)
	p := f.pipeline("ecommerce")
	d := f.deal(f.admin, DealInput{PipelineID: p.ID})
	var archived, foreign catalog.Product
	f.db.Update(func(tx *storage.Tx) error {
		archived = catalog.Product{AccountID: f.admin.AccountID, Name: "Velho", PriceCents: 100, Currency: "BRL", Active: false}
		if err := catalog.Products.Put(tx, &archived); err != nil {
			return err
		}
		foreign = catalog.Product{AccountID: f.admin.AccountID + 1000, Name: "Alheio", PriceCents: 100, Currency: "BRL", Active: true}
		return catalog.Products.Put(tx, &foreign)
	})
	_, err := f.s.AddLineItem(f.ctx, f.admin, d.ID, LineItemInput{ProductID: archived.ID})
	fieldErr(t, err, "product_id", "archived")
	_, err = f.s.AddLineItem(f.ctx, f.admin, d.ID, LineItemInput{ProductID: foreign.ID})
	fieldErr(t, err, "product_id", "not a product")
	if items, _ := f.s.LineItems(f.ctx, f.admin, d.ID); len(items) != 0 {
		t.Fatalf("lines written: %+v", items)
	}
}
