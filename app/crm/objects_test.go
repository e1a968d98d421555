package crm_test

import (
	"strconv"
	"testing"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/crm"
	"github.com/parleyhq/parley/storage"
)

// odVehicle defines a "Veículos" type: plate (text, primary, required), year (number), price
// (currency), fuel (list), bought (date), insured (boolean), photo (link).
func (e *odEnv) odVehicle() *crm.ObjectTypeView {
	e.t.Helper()
	t, err := e.svc.CreateObjectType(odCtx, e.admin, crm.ObjectTypeInput{Name: odPtr("Veículos"), Icon: odPtr("pi pi-car"),
		PrimaryField: odPtr("Placa"), Fields: &[]crm.ObjectFieldInput{
			{Name: "Placa", Type: "text", Required: true},
			{Name: "Ano", Type: "number"},
			{Name: "Preço", Type: "currency"},
			{Name: "Combustível", Type: "list", Options: []string{"Gasolina", "Etanol", "Flex"}},
			{Name: "Comprado em", Type: "date"},
			{Name: "Segurado", Type: "boolean"},
			{Name: "Foto", Type: "link"},
		}})
	e.must(err)
	return t
}

func TestObjectTypesValidation(t *testing.T) {
	e := newODEnv(t)
	v := e.odVehicle()
	keys := []string{}
	for _, f := range v.Fields {
		keys = append(keys, f.Key)
	}
	want := []string{"placa", "ano", "preco", "combustivel", "comprado_em", "segurado", "foto"}
	for i := range want {
		if keys[i] != want[i] {
			t.Fatalf("keys %v, want %v", keys, want)
		}
	}
	if v.PrimaryField != "placa" || v.Icon != "pi pi-car" || v.RecordsCount != 0 {
		t.Fatalf("%+v", v)
	}
	text := []crm.ObjectFieldInput{{Name: "Nome", Type: "text"}}
	for field, in := range map[string]crm.ObjectTypeInput{
		"name":             {Name: odPtr("veículos"), Fields: &text, PrimaryField: odPtr("nome")}, // taken, case-insensitively
		"icon":             {Name: odPtr("A"), Icon: odPtr("fa fa-car"), Fields: &text, PrimaryField: odPtr("nome")},
		"primary_field":    {Name: odPtr("B"), Fields: &text},
		"fields.1.name":    {Name: odPtr("C"), Fields: &[]crm.ObjectFieldInput{{Name: "Nome", Type: "text"}, {Name: "nome!", Type: "text"}}, PrimaryField: odPtr("nome")},
		"fields.0.type":    {Name: odPtr("D"), Fields: &[]crm.ObjectFieldInput{{Name: "Nome", Type: "color"}}, PrimaryField: odPtr("nome")},
		"fields.1.options": {Name: odPtr("E"), Fields: &[]crm.ObjectFieldInput{{Name: "Nome", Type: "text"}, {Name: "Tipo", Type: "list"}}, PrimaryField: odPtr("nome")},
		"fields.0.name":    {Name: odPtr("F"), Fields: &[]crm.ObjectFieldInput{{Name: "!!!", Type: "text"}}, PrimaryField: odPtr("x")},
	} {
		_, err := e.svc.CreateObjectType(odCtx, e.admin, in)
		odField(t, err, field, "")
	}
	// The primary field must be text or number.
	_, err := e.svc.CreateObjectType(odCtx, e.admin, crm.ObjectTypeInput{Name: odPtr("G"), PrimaryField: odPtr("data"),
		Fields: &[]crm.ObjectFieldInput{{Name: "Data", Type: "date"}}})
	odField(t, err, "primary_field", "")
	many := make([]crm.ObjectFieldInput, 51)
	for i := range many {
		many[i] = crm.ObjectFieldInput{Name: "f" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Type: "text"}
	}
	_, err = e.svc.CreateObjectType(odCtx, e.admin, crm.ObjectTypeInput{Name: odPtr("H"), Fields: &many, PrimaryField: odPtr("faa")})
	odField(t, err, "fields", "")

	// Renaming a field keeps its key when the key is sent.
	fields := []crm.ObjectFieldInput{}
	for _, f := range v.Fields {
		fields = append(fields, crm.ObjectFieldInput{Key: f.Key, Name: f.Name, Type: f.Type, Options: f.Options, Required: f.Required})
	}
	fields[0].Name = "Placa do carro"
	up, err := e.svc.UpdateObjectType(odCtx, e.admin, v.ID, crm.ObjectTypeInput{Fields: &fields})
	if err != nil || up.Fields[0].Key != "placa" || up.Fields[0].Name != "Placa do carro" {
		t.Fatalf("%+v %v", up, err)
	}
	// Agents have custom_objects View by default: they read but cannot define types.
	if _, err := e.svc.CreateObjectType(odCtx, e.agent, crm.ObjectTypeInput{Name: odPtr("X"), Fields: &text, PrimaryField: odPtr("nome")}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent created a type: %v", err)
	}
	if l, err := e.svc.ListObjectTypes(odCtx, e.agent); err != nil || len(l.Payload) != 1 {
		t.Fatalf("agent reads types: %+v %v", l, err)
	}
	if l, _ := e.svc.ListObjectTypes(odCtx, e.other); len(l.Payload) != 0 {
		t.Fatalf("another account sees types: %+v", l)
	}
	if _, err := e.svc.GetObjectType(odCtx, e.other, v.ID); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another account reads a type: %v", err)
	}
}

func TestObjectRecordsValidationAndDedup(t *testing.T) {
	e := newODEnv(t)
	v := e.odVehicle()
	r, created, err := e.svc.CreateObjectRecord(odCtx, e.admin, v.ID, crm.ObjectRecordInput{Values: map[string]any{
		"placa": " ABC1D23 ", "ano": "2021", "preco": 85000.5, "combustivel": "flex", "comprado_em": "2023-02-28", "segurado": true, "foto": "https://example.com/c.jpg",
	}, ExternalID: odPtr("V-1")})
	if err != nil || !created {
		t.Fatal(created, err)
	}
	if r.DisplayName != "ABC1D23" || r.Values["ano"] != 2021.0 || r.Values["combustivel"] != "Flex" || r.Values["segurado"] != true {
		t.Fatalf("normalised: %+v", r)
	}
	for key, val := range map[string]any{
		"ano": "two thousand", "preco": true, "combustivel": "Diesel", "comprado_em": "28/02/2023", "segurado": "maybe",
		"foto": "ftp://example.com/x", "cor": "azul",
	} {
		_, _, err := e.svc.CreateObjectRecord(odCtx, e.admin, v.ID, crm.ObjectRecordInput{Values: map[string]any{"placa": "X", key: val}})
		odField(t, err, "values."+key, "")
	}
	_, _, err = e.svc.CreateObjectRecord(odCtx, e.admin, v.ID, crm.ObjectRecordInput{Values: map[string]any{"ano": 2020}})
	odField(t, err, "values.placa", "is required")

	// Sending the same external id again updates the record.
	again, created, err := e.svc.CreateObjectRecord(odCtx, e.admin, v.ID, crm.ObjectRecordInput{Values: map[string]any{"placa": "ABC1D23", "ano": 2022}, ExternalID: odPtr("V-1")})
	if err != nil || created || again.ID != r.ID || again.Values["ano"] != 2022.0 || again.Values["combustivel"] != "Flex" {
		t.Fatalf("dedup: %v %+v %v", created, again, err)
	}
	// Null removes a value; a required one cannot be removed.
	up, err := e.svc.UpdateObjectRecord(odCtx, e.admin, r.ID, crm.ObjectRecordInput{Values: map[string]any{"foto": nil}})
	if err != nil || up.Values["foto"] != nil {
		t.Fatalf("%+v %v", up, err)
	}
	_, err = e.svc.UpdateObjectRecord(odCtx, e.admin, r.ID, crm.ObjectRecordInput{Values: map[string]any{"placa": nil}})
	odField(t, err, "values.placa", "is required")

	// A field changing type keeps its stored value until the next write checks it.
	ty, _ := e.svc.GetObjectType(odCtx, e.admin, v.ID)
	fields := []crm.ObjectFieldInput{}
	for _, f := range ty.Fields {
		fi := crm.ObjectFieldInput{Key: f.Key, Name: f.Name, Type: f.Type, Options: f.Options, Required: f.Required}
		if f.Key == "combustivel" {
			fi.Type, fi.Options = "list", []string{"Elétrico"}
		}
		fields = append(fields, fi)
	}
	_, err = e.svc.UpdateObjectType(odCtx, e.admin, v.ID, crm.ObjectTypeInput{Fields: &fields})
	e.must(err)
	kept, _ := e.svc.GetObjectRecord(odCtx, e.admin, r.ID)
	if kept.Values["combustivel"] != "Flex" {
		t.Fatalf("value dropped on type change: %+v", kept)
	}
	_, err = e.svc.UpdateObjectRecord(odCtx, e.admin, r.ID, crm.ObjectRecordInput{Values: map[string]any{"ano": 2023}})
	odField(t, err, "values.combustivel", "")

	_, _, err = e.svc.CreateObjectRecord(odCtx, e.admin, v.ID, crm.ObjectRecordInput{Values: map[string]any{"placa": "ZZZ9Z99"}})
	e.must(err)
	l, err := e.svc.ListObjectRecords(odCtx, e.agent, v.ID, "zzz", 1)
	if err != nil || l.Meta.Count != 1 || l.Payload[0].DisplayName != "ZZZ9Z99" {
		t.Fatalf("q: %+v %v", l, err)
	}
	if _, _, err := e.svc.CreateObjectRecord(odCtx, e.agent, v.ID, crm.ObjectRecordInput{Values: map[string]any{"placa": "A"}}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("agent with View wrote a record: %v", err)
	}
	if _, _, err := e.svc.CreateObjectRecord(odCtx, e.other, v.ID, crm.ObjectRecordInput{Values: map[string]any{"placa": "A"}}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another account wrote into the type: %v", err)
	}
	if err := e.svc.DeleteObjectType(odCtx, e.admin, v.ID); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("type with records deleted: %v", err)
	}
}

func TestObjectAssociations(t *testing.T) {
	e := newODEnv(t)
	v := e.odVehicle()
	books, err := e.svc.CreateObjectType(odCtx, e.admin, crm.ObjectTypeInput{Name: odPtr("Apólices"), PrimaryField: odPtr("numero"),
		Fields: &[]crm.ObjectFieldInput{{Name: "Número", Type: "number"}}})
	e.must(err)
	car, _, _ := e.svc.CreateObjectRecord(odCtx, e.admin, v.ID, crm.ObjectRecordInput{Values: map[string]any{"placa": "CAR0001"}})
	pol, _, _ := e.svc.CreateObjectRecord(odCtx, e.admin, books.ID, crm.ObjectRecordInput{Values: map[string]any{"numero": 42}})
	ana, bia, cai := e.contact(e.acct, "Ana", 0), e.contact(e.acct, "Bia", 0), e.contact(e.acct, "Caio", 4242)
	deal := e.deal("Frota", ana, 0)

	a1, err := e.svc.Associate(odCtx, e.agent, car.ID, crm.AssociationInput{TargetType: "contact", TargetID: ana, Label: "dona", AssociatedOn: "2024-01-10"})
	if err != nil || a1.TargetName != "Ana" || a1.Label != "dona" || a1.AssociatedOn != "2024-01-10" {
		t.Fatalf("%+v %v", a1, err)
	}
	_, err = e.svc.Associate(odCtx, e.agent, car.ID, crm.AssociationInput{TargetType: "contact", TargetID: ana})
	if !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("pair twice: %v", err)
	}
	odField(t, err, "target_id", "is already associated with this record")
	_, err = e.svc.Associate(odCtx, e.admin, car.ID, crm.AssociationInput{TargetType: "deal", TargetID: deal})
	e.must(err)
	_, err = e.svc.Associate(odCtx, e.admin, pol.ID, crm.AssociationInput{TargetType: "contact", TargetID: ana})
	e.must(err)
	_, err = e.svc.Associate(odCtx, e.admin, pol.ID, crm.AssociationInput{TargetType: "contact", TargetID: bia})
	e.must(err)
	for field, in := range map[string]crm.AssociationInput{
		"target_type":   {TargetType: "company", TargetID: ana},
		"target_id":     {TargetType: "deal", TargetID: 9999},
		"associated_on": {TargetType: "contact", TargetID: bia, AssociatedOn: "10/01/2024"},
		"label":         {TargetType: "contact", TargetID: bia, Label: string(make([]byte, 61))},
	} {
		_, err := e.svc.Associate(odCtx, e.admin, car.ID, in)
		odField(t, err, field, "")
	}
	// Permissions: linking to a contact needs contacts Manage.
	viewer := access.Actor{UserID: 9, AccountID: e.acct, Role: access.Agent, Permissions: map[string]access.Level{"custom_objects": access.View, "contacts": access.View, "crm": access.Manage}}
	if _, err := e.svc.Associate(odCtx, viewer, car.ID, crm.AssociationInput{TargetType: "contact", TargetID: bia}); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("contacts View linked a contact: %v", err)
	}
	// Privacy: Caio belongs to someone else.
	e.privacy(true)
	_, err = e.svc.Associate(odCtx, e.agent, car.ID, crm.AssociationInput{TargetType: "contact", TargetID: cai})
	odField(t, err, "target_id", "")
	if _, err := e.svc.AssociatedObjects(odCtx, e.agent, crm.TargetContact, cai); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("hidden contact's panel: %v", err)
	}
	e.privacy(false)

	g, err := e.svc.AssociatedObjects(odCtx, e.agent, crm.TargetContact, ana)
	e.must(err)
	if len(g.Payload) != 2 || g.Payload[0].Type.Name != "Apólices" || g.Payload[1].Type.Name != "Veículos" ||
		g.Payload[1].Records[0].Label != "dona" || g.Payload[1].Records[0].Record.DisplayName != "CAR0001" ||
		g.Payload[1].Records[0].Record.AssociationsCount != 2 || g.Payload[0].Records[0].Record.DisplayName != "42" {
		t.Fatalf("grouped: %+v", g.Payload)
	}
	g, _ = e.svc.AssociatedObjects(odCtx, e.admin, crm.TargetDeal, deal)
	if len(g.Payload) != 1 || g.Payload[0].Type.PrimaryField != "placa" {
		t.Fatalf("deal panel: %+v", g.Payload)
	}
	if _, err := e.svc.AssociatedObjects(odCtx, e.other, crm.TargetContact, ana); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("another account's panel: %v", err)
	}
	l, _ := e.svc.ListAssociations(odCtx, e.admin, car.ID)
	if len(l.Payload) != 2 || l.Payload[1].TargetType != "deal" || l.Payload[1].TargetName != "Frota" {
		t.Fatalf("list: %+v", l.Payload)
	}

	// Criterion, through the contact filter it is registered in: equal_to by type ids (number
	// or numeric string), not_equal_to walks contacts.
	cs := contacts.New(e.db)
	e.svc.RegisterCriteria(cs)
	filter := func(op string, values ...any) map[uint64]bool {
		t.Helper()
		l, err := cs.Filter(odCtx, e.admin, []contacts.FilterCondition{{AttributeKey: "custom_object_type", FilterOperator: op, Values: values}}, 1, "")
		e.must(err)
		out := map[uint64]bool{}
		for _, c := range l.Payload {
			out[c.ID] = true
		}
		return out
	}
	if got := filter("equal_to", float64(v.ID)); len(got) != 1 || !got[ana] {
		t.Errorf("equal_to vehicles: %v", got)
	}
	if got := filter("equal_to", strconv.FormatUint(books.ID, 10)); len(got) != 2 || !got[ana] || !got[bia] {
		t.Errorf("equal_to policies: %v", got)
	}
	if got := filter("equal_to", float64(v.ID), float64(books.ID)); len(got) != 2 {
		t.Errorf("equal_to either: %v", got)
	}
	if got := filter("not_equal_to", float64(v.ID)); len(got) != 2 || !got[bia] || !got[cai] || got[ana] {
		t.Errorf("not_equal_to vehicles: %v", got)
	}
	_, err = cs.Filter(odCtx, e.admin, []contacts.FilterCondition{{AttributeKey: "custom_object_type", FilterOperator: "contains", Values: []any{1.0}}}, 1, "")
	if !apperr.Is(err, apperr.Invalid) {
		t.Errorf("bad operator: %v", err)
	}

	// Merge Ana into Bia: the car moves, the policy (which Bia already has) is dropped.
	e.must(e.db.Update(func(tx *storage.Tx) error { return e.svc.MergeContacts(tx, e.acct, ana, bia, e.admin) }))
	g, _ = e.svc.AssociatedObjects(odCtx, e.admin, crm.TargetContact, bia)
	if len(g.Payload) != 2 || len(g.Payload[0].Records) != 1 || len(g.Payload[1].Records) != 1 || g.Payload[1].Records[0].Label != "dona" {
		t.Fatalf("after merge: %+v", g.Payload)
	}
	if l, _ := e.svc.ListAssociations(odCtx, e.admin, pol.ID); len(l.Payload) != 1 || l.Payload[0].TargetID != bia {
		t.Fatalf("policy links after merge: %+v", l.Payload)
	}
	// Deleting Bia drops her links; deleting the car drops the deal's.
	e.must(e.db.Update(func(tx *storage.Tx) error { return e.svc.DeleteContact(tx, e.acct, bia, e.admin) }))
	if l, _ := e.svc.ListAssociations(odCtx, e.admin, pol.ID); len(l.Payload) != 0 {
		t.Fatalf("deleted contact's link remains: %+v", l.Payload)
	}
	e.must(e.svc.DeleteObjectRecord(odCtx, e.admin, car.ID))
	if g, _ := e.svc.AssociatedObjects(odCtx, e.admin, crm.TargetDeal, deal); len(g.Payload) != 0 {
		t.Fatalf("deleted record still on the deal: %+v", g.Payload)
	}
	e.db.View(func(tx *storage.Tx) error {
		if n := crm.Associations.Len(tx, e.acct); n != 0 {
			t.Errorf("%d associations left", n)
		}
		return nil
	})
	ev := e.events("object_associations")
	if len(ev) == 0 || ev[0] != crm.EventObjectAssociationCreated || ev[len(ev)-1] != crm.EventObjectAssociationDeleted {
		t.Fatalf("events %v", ev)
	}
	// Dissociate checks the target's permission too.
	a, _ := e.svc.Associate(odCtx, e.admin, pol.ID, crm.AssociationInput{TargetType: "contact", TargetID: cai})
	if err := e.svc.Dissociate(odCtx, viewer, a.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("viewer dissociated: %v", err)
	}
	e.must(e.svc.Dissociate(odCtx, e.agent, a.ID))
}
