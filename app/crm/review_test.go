package crm_test

import (
	"strings"
	"testing"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/crm"
	"github.com/parleyhq/parley/storage"
)

// A deal names its contact and company on its card: under owner privacy an agent must not be
// able to point a deal at a contact they cannot see (and so read its name, email and phone).
func TestReviewDealContactRespectsPrivacy(t *testing.T) {
	e := newODEnv(t)
	p, err := e.svc.CreatePipeline(odCtx, e.admin, crm.PipelineInput{Template: "services"})
	e.must(err)
	hidden := e.contact(e.acct, "Segredo", e.admin.UserID)
	mine := e.contact(e.acct, "Minha", e.agent.UserID)
	e.privacy(true)
	_, err = e.svc.CreateDeal(odCtx, e.agent, crm.DealInput{PipelineID: p.ID, Title: odPtr("x"), ContactID: &hidden})
	odField(t, err, "contact_id", "is not a contact of this account")
	d, err := e.svc.CreateDeal(odCtx, e.agent, crm.DealInput{PipelineID: p.ID, Title: odPtr("x"), ContactID: &mine})
	e.must(err)
	_, err = e.svc.UpdateDeal(odCtx, e.agent, d.ID, crm.DealInput{ContactID: &hidden})
	odField(t, err, "contact_id", "is not a contact of this account")
	// The administrator may link any contact.
	if _, err := e.svc.UpdateDeal(odCtx, e.admin, d.ID, crm.DealInput{ContactID: &hidden}); err != nil {
		t.Fatal(err)
	}
}

// An order's deal shows its title: a hidden deal must look missing to an agent.
func TestReviewOrderDealRespectsPrivacy(t *testing.T) {
	e := newODEnv(t)
	mine := e.contact(e.acct, "Minha", e.agent.UserID)
	hiddenDeal := e.deal("Segredo", 0, e.admin.UserID)
	e.privacy(true)
	_, _, err := e.svc.CreateOrder(odCtx, e.agent, crm.OrderInput{ContactID: &mine, DealID: &hiddenDeal, Title: odPtr("P")})
	odField(t, err, "deal_id", "is not a deal of this account")
	o, _, err := e.svc.CreateOrder(odCtx, e.agent, crm.OrderInput{ContactID: &mine, Title: odPtr("P")})
	e.must(err)
	_, err = e.svc.UpdateOrder(odCtx, e.agent, o.ID, crm.OrderInput{DealID: &hiddenDeal})
	odField(t, err, "deal_id", "is not a deal of this account")
}

// Money is bounded so sums (board columns, forecasts, reports) cannot overflow.
func TestReviewOrderValueBounded(t *testing.T) {
	e := newODEnv(t)
	c := e.contact(e.acct, "Ana", 0)
	_, _, err := e.svc.CreateOrder(odCtx, e.admin, crm.OrderInput{ContactID: &c, Title: odPtr("P"), ValueCents: odPtr(int64(1) << 62)})
	odField(t, err, "value_cents", "")
}

// Deleting a deal leaves nothing pointing at it: its orders stay (they belong to the contact)
// but lose the deal, and custom object associations to it go.
func TestReviewDeleteDealCascades(t *testing.T) {
	e := newODEnv(t)
	c := e.contact(e.acct, "Ana", 0)
	d := e.deal("Negócio", c, 0)
	o, _, err := e.svc.CreateOrder(odCtx, e.admin, crm.OrderInput{ContactID: &c, DealID: &d, Title: odPtr("P")})
	e.must(err)
	ty := e.odVehicle()
	r, _, err := e.svc.CreateObjectRecord(odCtx, e.admin, ty.ID, crm.ObjectRecordInput{Values: map[string]any{"placa": "ABC1D23"}})
	e.must(err)
	_, err = e.svc.Associate(odCtx, e.admin, r.ID, crm.AssociationInput{TargetType: crm.TargetDeal, TargetID: d})
	e.must(err)
	before := len(e.events(crm.Orders.Name()))

	e.must(e.svc.DeleteDeal(odCtx, e.admin, d))

	got, err := e.svc.GetOrder(odCtx, e.admin, o.ID)
	e.must(err)
	if got.DealID != nil || got.Deal != nil {
		t.Fatalf("the order still names the deleted deal: %+v", got)
	}
	if evs := e.events(crm.Orders.Name()); len(evs) != before+1 || evs[len(evs)-1] != crm.EventOrderUpdated {
		t.Fatalf("order events %v", evs)
	}
	e.db.View(func(tx *storage.Tx) error {
		if n, _ := crm.Orders.Count(tx, e.acct, storage.Query{Index: "deal", Prefix: storage.Uint(d)}); n != 0 {
			t.Errorf("%d orders still indexed under the deleted deal", n)
		}
		prefix := storage.Key(storage.Str(crm.TargetDeal), storage.Uint(d))
		if n, _ := crm.Associations.Count(tx, e.acct, storage.Query{Index: "target", Prefix: prefix}); n != 0 {
			t.Errorf("%d associations still point at the deleted deal", n)
		}
		return nil
	})
	if l, err := e.svc.ListAssociations(odCtx, e.admin, r.ID); err != nil || len(l.Payload) != 0 {
		t.Fatalf("record associations %+v %v", l, err)
	}
	e.must(e.db.Check())
	if _, err := e.svc.GetDeal(odCtx, e.admin, d); !apperr.Is(err, apperr.NotFound) {
		t.Fatal(err)
	}
}

// Totals of many large deals saturate instead of wrapping round to negative numbers.
func TestReviewBoardTotalsDoNotOverflow(t *testing.T) {
	e := newODEnv(t)
	p, err := e.svc.CreatePipeline(odCtx, e.admin, crm.PipelineInput{Template: "services"})
	e.must(err)
	st := p.Stages[0]
	const big = int64(1e16)
	e.must(e.db.Update(func(tx *storage.Tx) error {
		for i := 0; i < 1000; i++ {
			d := &crm.Deal{AccountID: e.acct, PipelineID: p.ID, StageID: st.ID, Position: int64(i + 1), Title: "x", ValueCents: big, Status: crm.DealOpen, Currency: "BRL"}
			if err := crm.Deals.Put(tx, d); err != nil {
				return err
			}
		}
		return nil
	}))
	b, err := e.svc.Board(odCtx, e.admin, p.ID, crm.DealFilters{})
	e.must(err)
	if got := b.Columns[0].TotalCents["BRL"]; got < 1000*(big/10) || got < 0 {
		t.Fatalf("column total %d", got)
	}
	f, err := e.svc.Forecast(odCtx, e.admin, p.ID, "", "")
	e.must(err)
	if f.Totals[0].OpenCents < 0 || f.Stages[0].ValueCents["BRL"] < 0 {
		t.Fatalf("forecast %+v", f.Totals)
	}
}

// Turning a kept stage into a won one closes the deals already in it, and turning it back opens
// them again: a deal's status never disagrees with its column.
func TestStageKindChangeCarriesDeals(t *testing.T) {
	e := newODEnv(t)
	p, err := e.svc.CreatePipeline(odCtx, e.admin, crm.PipelineInput{Name: odPtr("P"), Stages: []crm.StageInput{
		{Name: "Lead"}, {Name: "Fechado"}, {Name: "Perdido", Kind: crm.StageLost},
	}})
	e.must(err)
	d, err := e.svc.CreateDeal(odCtx, e.admin, crm.DealInput{PipelineID: p.ID, StageID: p.Stages[1].ID, Title: odPtr("x")})
	e.must(err)
	stages := func(kind string) []crm.StageInput {
		out := make([]crm.StageInput, len(p.Stages))
		for i, st := range p.Stages {
			out[i] = crm.StageInput{ID: st.ID, Name: st.Name, Kind: st.Kind}
		}
		out[1].Kind = kind
		return out
	}
	_, err = e.svc.UpdatePipeline(odCtx, e.admin, p.ID, crm.PipelineInput{Stages: stages(crm.StageWon)})
	e.must(err)
	got, err := e.svc.GetDeal(odCtx, e.admin, d.ID)
	e.must(err)
	if got.Status != crm.DealWon || got.ClosedAt == nil {
		t.Fatalf("after the stage became won: status %q closed_at %v", got.Status, got.ClosedAt)
	}
	_, err = e.svc.UpdatePipeline(odCtx, e.admin, p.ID, crm.PipelineInput{Stages: stages(crm.StageOpen)})
	e.must(err)
	if got, _ = e.svc.GetDeal(odCtx, e.admin, d.ID); got.Status != crm.DealOpen || got.ClosedAt != nil {
		t.Fatalf("after the stage became open again: status %q closed_at %v", got.Status, got.ClosedAt)
	}
}

// Under owner privacy the "has an open deal" filter counts only the deals the rep may see:
// otherwise filtering a visible contact would reveal another rep's hidden deal.
func TestOpenDealFilterRespectsPrivacy(t *testing.T) {
	e := newODEnv(t)
	shared := e.contact(e.acct, "Compartilhado", 0)
	e.deal("Negócio do admin", shared, e.admin.UserID)
	cs := contacts.New(e.db)
	e.svc.RegisterCriteria(cs)
	count := func(actor access.Actor) int {
		t.Helper()
		l, err := cs.Filter(odCtx, actor, []contacts.FilterCondition{{AttributeKey: "has_open_deal", FilterOperator: "equal_to", Values: []any{true}}}, 1, "")
		e.must(err)
		return l.Meta.Count
	}
	if n := count(e.agent); n != 1 {
		t.Fatalf("privacy off: the agent should find the contact with an open deal, got %d", n)
	}
	e.privacy(true)
	if n := count(e.agent); n != 0 {
		t.Fatalf("privacy on: the admin's deal must not count for the agent, got %d", n)
	}
	if n := count(e.admin); n != 1 {
		t.Fatalf("privacy on: the admin still sees their deal, got %d", n)
	}
}

// A line added after one in the middle was deleted goes last, never beside another line.
func TestLineItemAfterDeleteGoesLast(t *testing.T) {
	e := newODEnv(t)
	p, err := e.svc.CreatePipeline(odCtx, e.admin, crm.PipelineInput{Template: "services"})
	e.must(err)
	d, err := e.svc.CreateDeal(odCtx, e.admin, crm.DealInput{PipelineID: p.ID, Title: odPtr("Obra")})
	e.must(err)
	var ids []uint64
	for _, name := range []string{"a", "b", "c"} {
		l, err := e.svc.AddLineItem(odCtx, e.admin, d.ID, crm.LineItemInput{Name: odPtr(name), UnitPriceCents: odPtr(int64(100))})
		e.must(err)
		ids = append(ids, l.ID)
	}
	e.must(e.svc.DeleteLineItem(odCtx, e.admin, d.ID, ids[0]))
	_, err = e.svc.AddLineItem(odCtx, e.admin, d.ID, crm.LineItemInput{Name: odPtr("d"), UnitPriceCents: odPtr(int64(100))})
	e.must(err)
	lines, err := e.svc.LineItems(odCtx, e.admin, d.ID)
	e.must(err)
	var got []string
	seen := map[int]bool{}
	for _, l := range lines {
		got = append(got, l.Name)
		if seen[l.Position] {
			t.Fatalf("two lines share position %d: %+v", l.Position, lines)
		}
		seen[l.Position] = true
	}
	if strings.Join(got, "") != "bcd" {
		t.Fatalf("order %v, want b c d", got)
	}
}
