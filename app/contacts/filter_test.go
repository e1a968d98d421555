package contacts_test

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/storage"
)

type cond = contacts.FilterCondition

// filterNames runs a filter as the admin and returns the matching names, sorted.
func (e *env) filterNames(conds ...cond) string {
	e.t.Helper()
	l, err := e.svc.Filter(ctx, e.admin, conds, 1, "name")
	if err != nil {
		e.t.Fatalf("%+v: %v", conds, err)
	}
	var out []string
	for _, c := range l.Payload {
		out = append(out, c.Name)
	}
	sort.Strings(out)
	if l.Meta.Count != len(out) {
		e.t.Errorf("count %d for %d names", l.Meta.Count, len(out))
	}
	return strings.Join(out, ",")
}

func TestFilter(t *testing.T) {
	e := newEnv(t)
	e.define(contacts.ModelContact, "Renda", contacts.TypeCurrency, nil)
	e.define(contacts.ModelContact, "Aniversario", contacts.TypeDate, nil)
	e.define(contacts.ModelContact, "VIP", contacts.TypeCheckbox, nil)
	ana := e.create(e.admin, contacts.ContactInput{Name: ptr("Ana"), City: ptr("Recife"), Email: ptr("ana@gmail.com"), Tags: &[]string{"VIP"},
		CustomAttributes: map[string]any{"renda": "900", "aniversario": "1990-05-01", "vip": true, "apelido": "Aninha"}})
	e.create(e.admin, contacts.ContactInput{Name: ptr("Bia"), City: ptr("São Paulo"), Email: ptr("bia@empresa.com"), Tags: &[]string{"lead"},
		CustomAttributes: map[string]any{"renda": "10000", "aniversario": "1985-12-24", "vip": false}})
	e.create(e.admin, contacts.ContactInput{Name: ptr("Caio"), City: ptr("recife"), Blocked: ptr(true)})

	cases := []struct {
		conds []cond
		want  string
	}{
		{[]cond{{AttributeKey: "city", FilterOperator: "equal_to", Values: []any{"RECIFE"}}}, "Ana,Caio"},
		{[]cond{{AttributeKey: "city", FilterOperator: "not_equal_to", Values: []any{"recife"}}}, "Bia"},
		{[]cond{{AttributeKey: "email", FilterOperator: "contains", Values: []any{"GMAIL"}}}, "Ana"},
		{[]cond{{AttributeKey: "email", FilterOperator: "does_not_contain", Values: []any{"gmail"}}}, "Bia,Caio"},
		{[]cond{{AttributeKey: "email", FilterOperator: "is_not_present"}}, "Caio"},
		{[]cond{{AttributeKey: "blocked", FilterOperator: "equal_to", Values: []any{true}}}, "Caio"},
		{[]cond{{AttributeKey: "labels", FilterOperator: "equal_to", Values: []any{"vip", "lead"}}}, "Ana,Bia"},
		{[]cond{{AttributeKey: "tags", FilterOperator: "not_equal_to", Values: []any{"vip"}}}, "Bia,Caio"},
		{[]cond{{AttributeKey: "tags", FilterOperator: "is_present"}}, "Ana,Bia"},
		// Typed custom attributes: 900 < 5000 < 10000 as numbers (as text "900" > "5000").
		{[]cond{{AttributeKey: "renda", FilterOperator: "is_greater_than", Values: []any{"5000"}}}, "Bia"},
		{[]cond{{AttributeKey: "renda", FilterOperator: "is_less_than", Values: []any{5000}}}, "Ana"},
		{[]cond{{AttributeKey: "aniversario", FilterOperator: "is_less_than", Values: []any{"1989-01-01"}}}, "Bia"},
		{[]cond{{AttributeKey: "aniversario", FilterOperator: "days_before", Values: []any{365}}}, "Ana,Bia"},
		{[]cond{{AttributeKey: "vip", FilterOperator: "equal_to", Values: []any{"sim"}}}, "Ana"},
		{[]cond{{AttributeKey: "renda", FilterOperator: "is_present"}}, "Ana,Bia"},
		// Undefined keys compare as text.
		{[]cond{{AttributeKey: "apelido", FilterOperator: "contains", Values: []any{"ninh"}, AttributeModel: "custom_attribute"}}, "Ana"},
		// Chains, left to right: (city = recife OR tag lead) AND not blocked.
		{[]cond{
			{AttributeKey: "city", FilterOperator: "equal_to", Values: []any{"recife"}, QueryOperator: "or"},
			{AttributeKey: "tags", FilterOperator: "equal_to", Values: []any{"lead"}, QueryOperator: "and"},
			{AttributeKey: "blocked", FilterOperator: "equal_to", Values: []any{false}},
		}, "Ana,Bia"},
		{[]cond{
			{AttributeKey: "city", FilterOperator: "equal_to", Values: []any{"recife"}, QueryOperator: "and"},
			{AttributeKey: "blocked", FilterOperator: "equal_to", Values: []any{false}, QueryOperator: "or"},
			{AttributeKey: "name", FilterOperator: "equal_to", Values: []any{"bia"}},
		}, "Ana,Bia"},
		{[]cond{{AttributeKey: "created_at", FilterOperator: "is_greater_than", Values: []any{time.Now().AddDate(0, 0, -2).Format(time.DateOnly)}}}, "Ana,Bia,Caio"},
		{[]cond{{AttributeKey: "created_at", FilterOperator: "days_before", Values: []any{1}}}, ""},
	}
	for _, c := range cases {
		if got := e.filterNames(c.conds...); got != c.want {
			t.Errorf("%+v: %q, want %q", c.conds, got, c.want)
		}
	}

	// A criterion of another area is asked once per request with the operator and values.
	calls := 0
	e.svc.AddCriterion("has_open_deal", func(tx *storage.Tx, actor access.Actor, op string, values []any) (map[uint64]bool, error) {
		calls++
		if op != "equal_to" || len(values) != 1 || values[0] != true {
			return nil, apperr.Field("values", "must be [true]")
		}
		return map[uint64]bool{ana.ID: true}, nil
	})
	if got := e.filterNames(cond{AttributeKey: "has_open_deal", FilterOperator: "equal_to", Values: []any{true}}); got != "Ana" || calls != 1 {
		t.Errorf("criterion: %q after %d calls", got, calls)
	}
	_, err := e.svc.Filter(ctx, e.admin, []cond{{AttributeKey: "has_open_deal", FilterOperator: "equal_to", Values: []any{"x"}}}, 1, "")
	if fieldErr(err, "payload[0].values") == "" {
		t.Errorf("criterion error: %v", err)
	}

	// Every problem is reported up front, by position.
	_, err = e.svc.Filter(ctx, e.admin, []cond{
		{AttributeKey: "city", FilterOperator: "is_greater_than", Values: []any{"a"}, QueryOperator: "and"},
		{AttributeKey: "renda", FilterOperator: "equal_to", Values: []any{"muito"}, QueryOperator: "xor"},
		{AttributeKey: "", FilterOperator: "equal_to"},
		{AttributeKey: "name", FilterOperator: "equal_to"},
		{AttributeKey: "created_at", FilterOperator: "days_before", Values: []any{"ontem"}},
	}, 1, "")
	for _, f := range []string{"payload[0].filter_operator", "payload[1].values", "payload[1].query_operator", "payload[2].attribute_key", "payload[3].values", "payload[4].values"} {
		if fieldErr(err, f) == "" {
			t.Errorf("no error on %s: %v", f, err)
		}
	}
	many := make([]cond, 21)
	for i := range many {
		many[i] = cond{AttributeKey: "name", FilterOperator: "is_present"}
	}
	if _, err := e.svc.Filter(ctx, e.admin, many, 1, ""); fieldErr(err, "payload") == "" {
		t.Errorf("21 conditions: %v", err)
	}
}

func TestFilterPages(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 20; i++ {
		e.create(e.admin, contacts.ContactInput{Name: ptr(string(rune('A' + i))), City: ptr("Natal")})
	}
	e.create(e.admin, contacts.ContactInput{Name: ptr("Zé"), City: ptr("Olinda")})
	q := []cond{{AttributeKey: "city", FilterOperator: "equal_to", Values: []any{"natal"}}}
	p2, err := e.svc.Filter(ctx, e.admin, q, 2, "name")
	if err != nil || p2.Meta.Count != 20 || len(p2.Payload) != 5 || p2.Payload[0].Name != "P" || p2.Meta.CurrentPage != 2 {
		t.Errorf("page 2: %+v %v", p2.Meta, err)
	}
}

func TestSegments(t *testing.T) {
	e := newEnv(t)
	ana, bruno := e.agent("Ana"), e.agent("Bruno")
	q := &contacts.SegmentQuery{Payload: []cond{{AttributeKey: "city", FilterOperator: "equal_to", Values: []any{"Recife"}}}}
	s, err := e.svc.CreateSegment(ctx, ana, contacts.SegmentInput{Name: ptr(" Recife "), Query: q})
	if err != nil || s.Name != "Recife" || s.FilterType != "contact" {
		t.Fatalf("segment %+v %v", s, err)
	}
	if _, err := e.svc.CreateSegment(ctx, ana, contacts.SegmentInput{Name: ptr("RECIFE"), Query: q}); fieldErr(err, "name") == "" {
		t.Errorf("same name: %v", err)
	}
	if _, err := e.svc.CreateSegment(ctx, bruno, contacts.SegmentInput{Name: ptr("Recife"), Query: q}); err != nil {
		t.Errorf("another user, same name: %v", err)
	}
	bad := &contacts.SegmentQuery{Payload: []cond{{AttributeKey: "city", FilterOperator: "is_less_than", Values: []any{"x"}}}}
	if _, err := e.svc.CreateSegment(ctx, ana, contacts.SegmentInput{Name: ptr("Bad"), Query: bad}); fieldErr(err, "query.payload[0].filter_operator") == "" {
		t.Errorf("bad filter: %v", err)
	}
	if _, err := e.svc.CreateSegment(ctx, ana, contacts.SegmentInput{Name: ptr(strings.Repeat("n", 81)), Query: q}); fieldErr(err, "name") == "" {
		t.Errorf("long name: %v", err)
	}
	if _, err := e.svc.CreateSegment(ctx, ana, contacts.SegmentInput{Name: ptr("Conv"), FilterType: ptr("conversation"), Query: q}); fieldErr(err, "filter_type") == "" {
		t.Errorf("conversation type: %v", err)
	}
	// Per user: Bruno neither sees nor changes Ana's.
	if l, _ := e.svc.ListSegments(ctx, bruno); len(l) != 1 || l[0].ID == s.ID {
		t.Errorf("bruno's list: %+v", l)
	}
	if _, err := e.svc.UpdateSegment(ctx, bruno, s.ID, contacts.SegmentInput{Name: ptr("meu")}); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("bruno edits: %v", err)
	}
	if err := e.svc.DeleteSegment(ctx, bruno, s.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("bruno deletes: %v", err)
	}
	if u, err := e.svc.UpdateSegment(ctx, ana, s.ID, contacts.SegmentInput{Name: ptr("Recife e região")}); err != nil || u.Name != "Recife e região" || len(u.Query.Payload) != 1 {
		t.Errorf("rename: %+v %v", u, err)
	}
	// At most 50 per user.
	for i := 1; i < contacts.MaxSegmentsPerUser; i++ {
		if _, err := e.svc.CreateSegment(ctx, ana, contacts.SegmentInput{Name: ptr("s" + strings.Repeat("x", i)), Query: q}); err != nil {
			t.Fatal(i, err)
		}
	}
	if _, err := e.svc.CreateSegment(ctx, ana, contacts.SegmentInput{Name: ptr("one too many"), Query: q}); !strings.Contains(fieldErr(err, "name"), "at most 50") {
		t.Errorf("51st: %v", err)
	}
	if err := e.svc.DeleteSegment(ctx, ana, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateSegment(ctx, ana, contacts.SegmentInput{Name: ptr("one too many"), Query: q}); err != nil {
		t.Errorf("after a delete: %v", err)
	}
}
