package contacts_test

import (
	"strings"
	"testing"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/auth"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/blob"
)

// agent adds a plain agent to the account and returns them as an actor.
func (e *env) agent(name string) access.Actor {
	e.t.Helper()
	var a access.Actor
	err := e.db.Update(func(tx *storage.Tx) error {
		u := &auth.User{Name: name, Email: strings.ToLower(name) + "@example.com"}
		if err := auth.Users.Put(tx, u); err != nil {
			return err
		}
		a = access.Actor{UserID: u.ID, AccountID: e.acct, Role: access.Agent, Permissions: access.AgentDefaults}
		return accounts.Members.Put(tx, &accounts.Member{AccountID: e.acct, UserID: u.ID, Role: access.Agent})
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func (e *env) privacy(on bool) {
	e.t.Helper()
	err := e.db.Update(func(tx *storage.Tx) error {
		a, err := accounts.Accounts.Get(tx, 0, e.acct)
		if err != nil {
			return err
		}
		a.OwnerPrivacy = on
		return accounts.Accounts.Put(tx, a)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) create(actor access.Actor, in contacts.ContactInput) contacts.ContactView {
	e.t.Helper()
	c, err := e.svc.Create(ctx, actor, contacts.NewContact{ContactInput: in})
	if err != nil {
		e.t.Fatal(err)
	}
	return c.Contact
}

func (e *env) define(model, name, typ string, more func(*contacts.AttributeDefinitionInput)) contacts.AttributeDefinitionView {
	e.t.Helper()
	in := contacts.AttributeDefinitionInput{DisplayName: ptr(name), DisplayType: ptr(typ), Model: ptr(model)}
	if more != nil {
		more(&in)
	}
	d, err := e.svc.CreateAttributeDefinition(ctx, e.admin, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return *d
}

// fieldErr returns the message of field in err ("" when err is not a field error there).
func fieldErr(err error, field string) string {
	if e, ok := apperr.As(err); ok {
		return e.Fields[field]
	}
	return ""
}

func TestAttributeDefinitions(t *testing.T) {
	e := newEnv(t)
	d := e.define(contacts.ModelContact, "Situação do Lead", contacts.TypeList, func(in *contacts.AttributeDefinitionInput) {
		in.Values = &[]string{"Novo", "novo", " Quente "}
	})
	if d.Key != "situacao_do_lead" || strings.Join(d.Values, "|") != "Novo|Quente" {
		t.Fatalf("definition %+v", d)
	}
	try := func(in contacts.AttributeDefinitionInput) error {
		_, err := e.svc.CreateAttributeDefinition(ctx, e.admin, in)
		return err
	}
	contact, conv := ptr(contacts.ModelContact), ptr(contacts.ModelConversation)
	// The same key again in the same model is a conflict on attribute_key; another model is fine.
	err := try(contacts.AttributeDefinitionInput{DisplayName: ptr("Situacao do lead"), DisplayType: ptr("text"), Model: contact})
	if !apperr.Is(err, apperr.Conflict) || !strings.Contains(fieldErr(err, "attribute_key"), "already exists for contacts") {
		t.Errorf("duplicate key: %v", err)
	}
	if err := try(contacts.AttributeDefinitionInput{DisplayName: ptr("Situação do lead"), DisplayType: ptr("text"), Model: ptr("0")}); err != nil {
		t.Errorf("same key on conversations (Chatwoot's 0): %v", err)
	}
	for _, c := range []struct {
		in    contacts.AttributeDefinitionInput
		field string
	}{
		{contacts.AttributeDefinitionInput{DisplayName: ptr("E-mail"), DisplayType: ptr("text"), Model: contact, Key: ptr("email")}, "attribute_key"},
		{contacts.AttributeDefinitionInput{DisplayName: ptr("Phone number"), DisplayType: ptr("text"), Model: contact}, "attribute_key"},
		{contacts.AttributeDefinitionInput{DisplayName: ptr("Status"), DisplayType: ptr("text"), Model: conv}, "attribute_key"},
		{contacts.AttributeDefinitionInput{DisplayName: ptr("Bad key"), DisplayType: ptr("text"), Model: contact, Key: ptr("Bad-Key")}, "attribute_key"},
		{contacts.AttributeDefinitionInput{DisplayName: ptr("!!!"), DisplayType: ptr("text"), Model: contact}, "attribute_display_name"},
		{contacts.AttributeDefinitionInput{DisplayType: ptr("text"), Model: contact}, "attribute_display_name"},
		{contacts.AttributeDefinitionInput{DisplayName: ptr("X"), DisplayType: ptr("colour"), Model: contact}, "attribute_display_type"},
		{contacts.AttributeDefinitionInput{DisplayName: ptr("X"), DisplayType: ptr("text"), Model: ptr("ticket")}, "attribute_model"},
		{contacts.AttributeDefinitionInput{DisplayName: ptr("X"), DisplayType: ptr("list"), Model: contact}, "attribute_values"},
		{contacts.AttributeDefinitionInput{DisplayName: ptr("X"), DisplayType: ptr("text"), Model: contact, RegexPattern: ptr("(")}, "regex_pattern"},
		{contacts.AttributeDefinitionInput{DisplayName: ptr("X"), DisplayType: ptr("date"), Model: contact, RegexPattern: ptr("^2")}, "regex_pattern"},
	} {
		if err := try(c.in); fieldErr(err, c.field) == "" {
			t.Errorf("%+v: want an error on %s, got %v", c.in, c.field, err)
		}
	}
	// Agents read, only administrators write.
	ag := e.agent("Ana")
	if _, err := e.svc.CreateAttributeDefinition(ctx, ag, contacts.AttributeDefinitionInput{DisplayName: ptr("Y"), DisplayType: ptr("text"), Model: contact}); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("agent create: %v", err)
	}
	if l, err := e.svc.ListAttributeDefinitions(ctx, ag, "1"); err != nil || len(l) != 1 || l[0].ID != d.ID {
		t.Errorf("agent list contact model: %+v %v", l, err)
	}
	if l, _ := e.svc.ListAttributeDefinitions(ctx, ag, ""); len(l) != 2 {
		t.Errorf("all models: %+v", l)
	}
	// Key and model never change; the type may.
	if _, err := e.svc.UpdateAttributeDefinition(ctx, e.admin, d.ID, contacts.AttributeDefinitionInput{Key: ptr("other")}); fieldErr(err, "attribute_key") == "" {
		t.Errorf("key change: %v", err)
	}
	if _, err := e.svc.UpdateAttributeDefinition(ctx, e.admin, d.ID, contacts.AttributeDefinitionInput{Model: conv}); fieldErr(err, "attribute_model") == "" {
		t.Errorf("model change: %v", err)
	}
	u, err := e.svc.UpdateAttributeDefinition(ctx, e.admin, d.ID, contacts.AttributeDefinitionInput{DisplayType: ptr("text"), DisplayName: ptr("Fase")})
	if err != nil || u.DisplayType != "text" || u.Key != "situacao_do_lead" || len(u.Values) != 0 {
		t.Errorf("type change: %+v %v", u, err)
	}
	// Deleting a definition leaves stored values alone.
	c := e.create(e.admin, contacts.ContactInput{Name: ptr("Ana"), CustomAttributes: map[string]any{"situacao_do_lead": "x"}})
	if err := e.svc.DeleteAttributeDefinition(ctx, e.admin, d.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.Get(ctx, e.admin, c.ID); got.CustomAttributes["situacao_do_lead"] != "x" {
		t.Errorf("value after delete: %v", got.CustomAttributes)
	}
	if _, err := e.svc.GetAttributeDefinition(ctx, e.admin, d.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("deleted definition: %v", err)
	}
}

func TestValidateAttributes(t *testing.T) {
	e := newEnv(t)
	e.define(contacts.ModelContact, "Renda", contacts.TypeCurrency, nil)
	e.define(contacts.ModelContact, "Score", contacts.TypeNumber, func(in *contacts.AttributeDefinitionInput) {
		in.RegexPattern, in.RegexCue = ptr(`^\d{1,3}$`), ptr("use até 3 dígitos")
	})
	e.define(contacts.ModelContact, "Desconto", contacts.TypePercent, nil)
	e.define(contacts.ModelContact, "Site", contacts.TypeLink, nil)
	e.define(contacts.ModelContact, "Nascimento", contacts.TypeDate, nil)
	e.define(contacts.ModelContact, "Plano", contacts.TypeList, func(in *contacts.AttributeDefinitionInput) { in.Values = &[]string{"Pro", "Básico"} })
	e.define(contacts.ModelContact, "VIP", contacts.TypeCheckbox, nil)
	e.define(contacts.ModelContact, "CPF", contacts.TypeText, func(in *contacts.AttributeDefinitionInput) {
		in.RegexPattern = ptr(`^\d{3}\.\d{3}\.\d{3}-\d{2}$`)
	})
	c := e.create(e.admin, contacts.ContactInput{Name: ptr("Ana"), CustomAttributes: map[string]any{
		"renda": "1234,56", "score": 99.0, "desconto": "12.5", "site": " https://ana.dev/x ", "nascimento": "1990-05-01T23:30:00-03:00",
		"plano": "pro", "vip": "sim", "cpf": "123.456.789-00", "undefined_key": []any{"kept"},
	}})
	want := map[string]any{"renda": 1234.56, "score": 99.0, "desconto": 12.5, "site": "https://ana.dev/x", "nascimento": "1990-05-01",
		"plano": "Pro", "vip": true, "cpf": "123.456.789-00"}
	for k, v := range want {
		if c.CustomAttributes[k] != v {
			t.Errorf("%s = %#v, want %#v", k, c.CustomAttributes[k], v)
		}
	}
	if l, ok := c.CustomAttributes["undefined_key"].([]any); !ok || l[0] != "kept" {
		t.Errorf("undefined key: %#v", c.CustomAttributes["undefined_key"])
	}
	bad := map[string]struct {
		value any
		msg   string
	}{
		"renda":      {"mil", "must be a number"},
		"score":      {1000.0, "use até 3 dígitos"},
		"site":       {"ftp://x.com", "http"},
		"nascimento": {"01/05/1990", "YYYY-MM-DD"},
		"plano":      {"Gold", "Pro, Básico"},
		"vip":        {"talvez", "true or false"},
		"cpf":        {"12345678900", "does not match the required format"},
	}
	in := map[string]any{}
	for k, b := range bad {
		in[k] = b.value
	}
	_, err := e.svc.Update(ctx, e.admin, c.ID, contacts.ContactInput{CustomAttributes: in})
	for k, b := range bad {
		if m := fieldErr(err, "custom_attributes."+k); !strings.Contains(m, b.msg) {
			t.Errorf("%s: %q, want %q", k, m, b.msg)
		}
	}
	// Nothing was written: the contact keeps its values.
	if got, _ := e.svc.Get(ctx, e.admin, c.ID); got.CustomAttributes["plano"] != "Pro" {
		t.Errorf("half written: %v", got.CustomAttributes)
	}
	// Text longer than 1000 characters; a null removes a key.
	if _, err := e.svc.Update(ctx, e.admin, c.ID, contacts.ContactInput{CustomAttributes: map[string]any{"cpf": nil, "plano": strings.Repeat("x", 1001)}}); err == nil {
		t.Error("bad list value accepted")
	}
	got, err := e.svc.Update(ctx, e.admin, c.ID, contacts.ContactInput{CustomAttributes: map[string]any{"cpf": nil, "vip": false}})
	if _, has := got.CustomAttributes["cpf"]; err != nil || has || got.CustomAttributes["vip"] != false {
		t.Errorf("removal: %v %v", got.CustomAttributes, err)
	}
	e.define(contacts.ModelContact, "Bio", contacts.TypeText, nil)
	if _, err := e.svc.Update(ctx, e.admin, c.ID, contacts.ContactInput{CustomAttributes: map[string]any{"bio": strings.Repeat("á", 1001)}}); !strings.Contains(fieldErr(err, "custom_attributes.bio"), "1000") {
		t.Errorf("long text: %v", err)
	}
}

// TestConversationAttributesValidated: conversation custom attributes go through the
// conversation model's definitions.
func TestConversationAttributesValidated(t *testing.T) {
	e := newEnv(t)
	conv := conversations.New(conversations.Deps{DB: e.db, Blobs: blob.New(e.db)})
	e.define(contacts.ModelConversation, "Pedido", contacts.TypeNumber, nil)
	e.define(contacts.ModelContact, "Nota", contacts.TypeNumber, nil)
	res, err := conv.Ingest(ctx, e.acct, conversations.Inbound{InboxID: e.inbox, Contact: contacts.Identity{SourceID: "w1", Name: "Ana"}, Content: "oi"})
	if err != nil {
		t.Fatal(err)
	}
	display := res.DisplayID
	if _, err := conv.UpdateCustomAttributes(ctx, e.admin, display, map[string]any{"pedido": "abc"}); fieldErr(err, "custom_attributes.pedido") == "" {
		t.Errorf("bad conversation attribute: %v", err)
	}
	got, err := conv.UpdateCustomAttributes(ctx, e.admin, display, map[string]any{"pedido": "42", "nota": "not checked here"})
	if err != nil || got["pedido"] != 42.0 || got["nota"] != "not checked here" {
		t.Errorf("conversation attributes: %v %v", got, err)
	}
}

// testLinker stands for the CRM: records (deals, orders) that point at contacts.
type testLinker struct{ owner map[string]uint64 }

func (l *testLinker) MergeContacts(tx *storage.Tx, account, from, into uint64, actor access.Actor) error {
	for k, v := range l.owner {
		if v == from {
			l.owner[k] = into
		}
	}
	return nil
}

func (l *testLinker) DeleteContact(tx *storage.Tx, account, id uint64, actor access.Actor) error {
	for k, v := range l.owner {
		if v == id {
			delete(l.owner, k)
		}
	}
	return nil
}

// convWorld is env with real conversations registered as a linker, plus a test linker.
func convWorld(t *testing.T) (*env, *conversations.Service, *testLinker) {
	e := newEnv(t)
	conv := conversations.New(conversations.Deps{DB: e.db, Blobs: blob.New(e.db)})
	crm := &testLinker{owner: map[string]uint64{}}
	e.svc.AddLinker(conv)
	e.svc.AddLinker(crm)
	return e, conv, crm
}

func (e *env) conversationsOf(contact uint64) []uint64 {
	var ids []uint64
	e.db.View(func(tx *storage.Tx) (err error) {
		ids, err = conversations.Conversations.IDs(tx, e.acct, storage.Query{Index: "contact", Prefix: storage.Uint(contact)})
		return err
	})
	return ids
}

func TestDeleteContact(t *testing.T) {
	e, conv, crm := convWorld(t)
	res, err := conv.Ingest(ctx, e.acct, conversations.Inbound{InboxID: e.inbox, Contact: contacts.Identity{SourceID: "w1", Name: "Ana"}, Content: "oi"})
	if err != nil {
		t.Fatal(err)
	}
	id := res.ContactID
	other := e.create(e.admin, contacts.ContactInput{Name: ptr("Bia")})
	crm.owner["deal-1"], crm.owner["deal-2"] = id, other.ID
	if _, err := e.svc.AddNote(ctx, e.admin, id, "ligar amanhã"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Delete(ctx, e.agent("Ana"), id); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("agent delete: %v", err)
	}
	if err := e.svc.Delete(ctx, e.admin, id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Get(ctx, e.admin, id); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("contact still there: %v", err)
	}
	if len(e.conversationsOf(id)) != 0 {
		t.Error("conversations survived")
	}
	e.db.View(func(tx *storage.Tx) error {
		if n, _ := conversations.Messages.Count(tx, e.acct, storage.Query{}); n != 0 {
			t.Errorf("%d messages survived", n)
		}
		if n, _ := contacts.ContactInboxes.Count(tx, e.acct, storage.Query{Index: "contact", Prefix: storage.Uint(id)}); n != 0 {
			t.Errorf("%d identities survived", n)
		}
		if n, _ := contacts.Notes.Count(tx, e.acct, storage.Query{}); n != 0 {
			t.Errorf("%d notes survived", n)
		}
		return nil
	})
	if _, ok := crm.owner["deal-1"]; ok || crm.owner["deal-2"] != other.ID {
		t.Errorf("linker: %v", crm.owner)
	}
	// The same channel id now makes a new contact.
	if _, _, created := e.find(contacts.Identity{SourceID: "w1", Name: "Ana"}); !created {
		t.Error("identity survived")
	}
}

func TestMergeContacts(t *testing.T) {
	e, conv, crm := convWorld(t)
	ana, err := conv.Ingest(ctx, e.acct, conversations.Inbound{InboxID: e.inbox, Contact: contacts.Identity{SourceID: "w1", Name: "Ana", Email: "ana@example.com"}, Content: "oi"})
	if err != nil {
		t.Fatal(err)
	}
	dup, err := conv.Ingest(ctx, e.acct, conversations.Inbound{InboxID: e.inbox, Contact: contacts.Identity{SourceID: "w2", Phone: "+5511999998888"}, Content: "sou a Ana"})
	if err != nil {
		t.Fatal(err)
	}
	base, mergee := ana.ContactID, dup.ContactID
	if base == mergee {
		t.Fatal("one contact")
	}
	e.svc.Update(ctx, e.admin, base, contacts.ContactInput{Tags: &[]string{"VIP"}, CustomAttributes: map[string]any{"plan": "pro"}})
	e.svc.Update(ctx, e.admin, mergee, contacts.ContactInput{City: ptr("Recife"), Tags: &[]string{"vip", "Lead"}, CustomAttributes: map[string]any{"plan": "free", "source": "ads"}})
	e.svc.AddNote(ctx, e.admin, mergee, "nota da duplicata")
	crm.owner["deal"], crm.owner["order"] = mergee, mergee

	if _, err := e.svc.Merge(ctx, e.admin, base, base); fieldErr(err, "mergee_contact_id") == "" {
		t.Errorf("self merge: %v", err)
	}
	v, err := e.svc.Merge(ctx, e.admin, base, mergee)
	if err != nil {
		t.Fatal(err)
	}
	if v.Name != "Ana" || v.Email != "ana@example.com" || v.PhoneNumber != "+5511999998888" || v.City != "Recife" ||
		strings.Join(v.Tags, ",") != "VIP,Lead" || v.CustomAttributes["plan"] != "pro" || v.CustomAttributes["source"] != "ads" {
		t.Errorf("merged %+v", v)
	}
	if _, err := e.svc.Get(ctx, e.admin, mergee); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("mergee still there: %v", err)
	}
	if got := e.conversationsOf(base); len(got) != 2 {
		t.Errorf("base has conversations %v", got)
	}
	if crm.owner["deal"] != base || crm.owner["order"] != base {
		t.Errorf("linker records: %v", crm.owner)
	}
	if n, _ := e.svc.Notes(ctx, e.admin, base); len(n) != 1 {
		t.Errorf("notes: %+v", n)
	}
	// The mergee's channel identity now leads to the base, and the unique indexes are sound:
	// the phone is found on the base and cannot be given to another contact.
	if c, _, created := e.find(contacts.Identity{SourceID: "w2"}); created || c.ID != base {
		t.Errorf("identity w2 -> %d created=%v", c.ID, created)
	}
	e.db.View(func(tx *storage.Tx) error {
		if c, err := contacts.Contacts.GetBy(tx, e.acct, "phone", storage.Str("+5511999998888")); err != nil || c.ID != base {
			t.Errorf("phone index: %v %v", c, err)
		}
		return nil
	})
	if _, err := e.svc.Create(ctx, e.admin, contacts.NewContact{ContactInput: contacts.ContactInput{PhoneNumber: ptr("+5511999998888")}}); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("phone reused: %v", err)
	}
	// Another reply through w2 lands on the base's conversation list.
	if r, err := conv.Ingest(ctx, e.acct, conversations.Inbound{InboxID: e.inbox, Contact: contacts.Identity{SourceID: "w2"}, Content: "de novo"}); err != nil || r.ContactID != base {
		t.Errorf("ingest after merge: %+v %v", r, err)
	}
}

func TestTagsAndNotes(t *testing.T) {
	e := newEnv(t)
	c := e.create(e.admin, contacts.ContactInput{Name: ptr("Ana")})
	tags, err := e.svc.SetTags(ctx, e.admin, c.ID, []string{" VIP ", "vip", "", "Lead"})
	if err != nil || strings.Join(tags, ",") != "VIP,Lead" {
		t.Fatalf("tags %v %v", tags, err)
	}
	if _, err := e.svc.SetTags(ctx, e.admin, c.ID, []string{strings.Repeat("x", 51)}); fieldErr(err, "tags") == "" {
		t.Errorf("long tag: %v", err)
	}
	many := make([]string, 51)
	for i := range many {
		many[i] = "t" + strings.Repeat("x", i)
	}
	if _, err := e.svc.SetTags(ctx, e.admin, c.ID, many); fieldErr(err, "tags") == "" {
		t.Errorf("51 tags: %v", err)
	}
	e.create(e.admin, contacts.ContactInput{Name: ptr("Bia"), Tags: &[]string{"vip"}})
	counts, err := e.svc.Tags(ctx, e.admin)
	if err != nil || len(counts) != 2 || counts[0] != (contacts.TagCount{Name: "Lead", Count: 1}) || counts[1].Count != 2 {
		t.Errorf("counts %+v %v", counts, err)
	}

	ana, bruno := e.agent("Ana"), e.agent("Bruno")
	n, err := e.svc.AddNote(ctx, ana, c.ID, "  prefere WhatsApp  ")
	if err != nil || n.Content != "prefere WhatsApp" || n.User == nil || n.User.Name != "Ana" {
		t.Fatalf("note %+v %v", n, err)
	}
	if _, err := e.svc.AddNote(ctx, ana, c.ID, " "); fieldErr(err, "content") == "" {
		t.Errorf("empty note: %v", err)
	}
	if _, err := e.svc.AddNote(ctx, ana, c.ID, strings.Repeat("a", 10001)); fieldErr(err, "content") == "" {
		t.Errorf("long note: %v", err)
	}
	if _, err := e.svc.UpdateNote(ctx, bruno, c.ID, n.ID, "meu"); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("other agent edits: %v", err)
	}
	if err := e.svc.DeleteNote(ctx, bruno, c.ID, n.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("other agent deletes: %v", err)
	}
	if u, err := e.svc.UpdateNote(ctx, e.admin, c.ID, n.ID, "editado"); err != nil || u.Content != "editado" {
		t.Errorf("admin edits: %+v %v", u, err)
	}
	second, _ := e.svc.AddNote(ctx, bruno, c.ID, "segunda")
	list, _ := e.svc.Notes(ctx, ana, c.ID)
	if len(list) != 2 || list[0].ID != second.ID {
		t.Errorf("newest first: %+v", list)
	}
	if err := e.svc.DeleteNote(ctx, ana, c.ID, n.ID); err != nil {
		t.Errorf("author deletes: %v", err)
	}
	other := e.create(e.admin, contacts.ContactInput{Name: ptr("Outro")})
	if err := e.svc.DeleteNote(ctx, bruno, other.ID, second.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("note through another contact: %v", err)
	}
}

func TestPrivacyAndOwners(t *testing.T) {
	e := newEnv(t)
	ana, bruno := e.agent("Ana"), e.agent("Bruno")
	mine := e.create(ana, contacts.ContactInput{Name: ptr("Da Ana")})
	if mine.OwnerID != ana.UserID {
		t.Fatalf("agent's contact owner %d", mine.OwnerID)
	}
	theirs := e.create(bruno, contacts.ContactInput{Name: ptr("Do Bruno"), Tags: &[]string{"secret"}})
	unowned := e.create(e.admin, contacts.ContactInput{Name: ptr("Sem dono")})
	if unowned.OwnerID != 0 {
		t.Fatalf("admin's contact owned by %d", unowned.OwnerID)
	}
	if _, err := e.svc.Update(ctx, e.admin, unowned.ID, contacts.ContactInput{OwnerID: ptr(uint64(99999))}); fieldErr(err, "owner_id") == "" {
		t.Errorf("stranger as owner: %v", err)
	}
	if _, err := e.svc.Update(ctx, e.admin, unowned.ID, contacts.ContactInput{CompanyID: ptr(uint64(5))}); fieldErr(err, "company_id") == "" {
		t.Errorf("missing company: %v", err)
	}
	var company contacts.Company
	e.db.Update(func(tx *storage.Tx) error {
		company = contacts.Company{AccountID: e.acct, Name: "Acme"}
		return contacts.Companies.Put(tx, &company)
	})
	if v, err := e.svc.Update(ctx, e.admin, unowned.ID, contacts.ContactInput{CompanyID: &company.ID}); err != nil || v.CompanyID != company.ID || v.CompanyName != "Acme" {
		t.Errorf("company link: %+v %v", v, err)
	}
	names := func(l *contacts.ContactList) string {
		var out []string
		for _, c := range l.Payload {
			out = append(out, c.Name)
		}
		return strings.Join(out, ",")
	}
	// Off: everyone sees everything.
	if l, _ := e.svc.List(ctx, ana, 1, "name"); l.Meta.Count != 3 {
		t.Errorf("privacy off: %s", names(l))
	}
	e.privacy(true)
	l, _ := e.svc.List(ctx, ana, 1, "name")
	if l.Meta.Count != 2 || names(l) != "Da Ana,Sem dono" {
		t.Errorf("agent under privacy: %d %s", l.Meta.Count, names(l))
	}
	if l, _ := e.svc.List(ctx, e.admin, 1, "name"); l.Meta.Count != 3 {
		t.Errorf("admin under privacy: %s", names(l))
	}
	if _, err := e.svc.Get(ctx, ana, theirs.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("get other's: %v", err)
	}
	if _, err := e.svc.Update(ctx, ana, theirs.ID, contacts.ContactInput{City: ptr("x")}); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("update other's: %v", err)
	}
	if _, err := e.svc.Notes(ctx, ana, theirs.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("notes of other's: %v", err)
	}
	if tags, _ := e.svc.Tags(ctx, ana); len(tags) != 0 {
		t.Errorf("tags of hidden contacts: %+v", tags)
	}
	if f, err := e.svc.Filter(ctx, ana, []contacts.FilterCondition{{AttributeKey: "name", FilterOperator: "is_present"}}, 1, "name"); err != nil || f.Meta.Count != 2 {
		t.Errorf("filter under privacy: %+v %v", f, err)
	}
	if _, err := e.svc.Merge(ctx, ana, mine.ID, theirs.ID); err == nil {
		t.Error("merged a hidden contact")
	}
	e.index()
	if r, err := e.svc.Search(ctx, ana, "do", 1); err != nil || names(r) != "Sem dono" || r.Meta.Count != 1 {
		t.Errorf("search under privacy: %+v %v", r, err)
	}
	if r, _ := e.svc.Search(ctx, e.admin, "do", 1); r.Meta.Count != 2 {
		t.Errorf("admin search: %+v", r)
	}
	e.privacy(false)
	if _, err := e.svc.Get(ctx, ana, theirs.ID); err != nil {
		t.Errorf("privacy off again: %v", err)
	}
}

func TestSearchTagsAndAttributes(t *testing.T) {
	e := newEnv(t)
	e.create(e.admin, contacts.ContactInput{Name: ptr("Ana"), Tags: &[]string{"atacadista"}, CustomAttributes: map[string]any{"cidade_natal": "Garanhuns"}})
	e.index()
	for _, q := range []string{"atacad", "garanhuns"} {
		if r, err := e.svc.Search(ctx, e.admin, q, 1); err != nil || len(r.Payload) != 1 {
			t.Errorf("%q: %+v %v", q, r, err)
		}
	}
}

func TestAccountIsolation(t *testing.T) {
	e := newEnv(t)
	c := e.create(e.admin, contacts.ContactInput{Name: ptr("Ana")})
	var other access.Actor
	e.db.Update(func(tx *storage.Tx) error {
		a := &accounts.Account{Name: "Outra"}
		if err := accounts.Accounts.Put(tx, a); err != nil {
			return err
		}
		other = access.Actor{UserID: e.admin.UserID, AccountID: a.ID, Role: access.Administrator}
		return nil
	})
	if _, err := e.svc.Get(ctx, other, c.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("get: %v", err)
	}
	if err := e.svc.Delete(ctx, other, c.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("delete: %v", err)
	}
	if _, err := e.svc.AddNote(ctx, other, c.ID, "x"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("note: %v", err)
	}
	mine := e.create(other, contacts.ContactInput{Name: ptr("Minha")})
	if _, err := e.svc.Merge(ctx, other, mine.ID, c.ID); err == nil {
		t.Error("merged across accounts")
	}
	d := e.define(contacts.ModelContact, "Plano", contacts.TypeText, nil)
	if _, err := e.svc.GetAttributeDefinition(ctx, other, d.ID); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("definition: %v", err)
	}
	if l, _ := e.svc.ListAttributeDefinitions(ctx, other, ""); len(l) != 0 {
		t.Errorf("definitions: %+v", l)
	}
	if f, _ := e.svc.Filter(ctx, other, []contacts.FilterCondition{{AttributeKey: "name", FilterOperator: "is_present"}}, 1, ""); f.Meta.Count != 1 {
		t.Errorf("filter: %+v", f)
	}
}
