package contacts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/storage"
	"github.com/parleyhq/parley/storage/search"
)

// Module is the access module guarding contacts.
const Module = "contacts"

// PerPage is the size of a page of contacts (Chatwoot's RESULTS_PER_PAGE for contacts).
const PerPage = 15

// Service holds the rules of contacts.
type Service struct {
	db       *storage.DB
	ix       *search.Index
	linkers  []Linker
	criteria map[string]Criterion
}

// New builds the service. Keyword search needs the index too: see SetSearch.
func New(db *storage.DB) *Service { return &Service{db: db} }

// SetSearch hands the service the search index once it is open (the index needs the doc types
// this package registers, so it is opened after New). Until then Search answers Unavailable.
func (s *Service) SetSearch(ix *search.Index) { s.ix = ix }

// activityGrain is how fresh a contact's last activity is kept by incoming messages.
const activityGrain = time.Minute

// FindOrCreate returns the contact and contact inbox for a channel identity in inbox, creating
// what is missing. The identity the channel already knows (inbox + source id) wins; otherwise an
// existing contact is matched by identifier, then phone, then email, and a new contact is the
// last resort. created reports whether the contact is new. It never fails a message for a
// malformed phone or email from a channel: those are dropped rather than losing the message.
func FindOrCreate(tx *storage.Tx, account, inboxID uint64, id Identity) (*Contact, *ContactInbox, bool, error) {
	id.SourceID = strings.TrimSpace(id.SourceID)
	if id.SourceID == "" {
		return nil, nil, false, apperr.Field("source_id", "is required")
	}
	now := time.Now().UTC()
	if ci, err := ContactInboxes.GetBy(tx, account, "source", storage.Key(storage.Uint(inboxID), storage.Str(id.SourceID))); err == nil {
		c, err := Contacts.Get(tx, account, ci.ContactID)
		if err != nil {
			return nil, nil, false, fmt.Errorf("contacts: contact inbox %d: %w", ci.ID, err)
		}
		// Last activity is kept to the minute: rewriting (and re-indexing) the contact for every
		// message of a busy chat would cost ingest a write per message for nothing anyone sees.
		if now.Sub(c.LastActivityAt) >= activityGrain {
			c.LastActivityAt, c.UpdatedAt = now, now
			if err := Contacts.Put(tx, c); err != nil {
				return nil, nil, false, err
			}
		}
		return c, ci, false, nil
	} else if !apperr.Is(err, apperr.NotFound) {
		return nil, nil, false, err
	}

	id.Name = strings.TrimSpace(id.Name)
	id.Identifier = strings.TrimSpace(id.Identifier)
	id.Phone, _ = NormalizePhone(id.Phone)
	id.Email, _ = NormalizeEmail(id.Email)

	c := match(tx, account, id)
	created := c == nil
	if created {
		c = &Contact{AccountID: account, Name: fallbackName(id), Email: id.Email, Phone: id.Phone, Identifier: id.Identifier,
			AdditionalAttributes: id.Attributes, CreatedAt: now}
	} else {
		fillBlanks(tx, c, id)
	}
	c.LastActivityAt, c.UpdatedAt = now, now
	if err := Contacts.Put(tx, c); err != nil {
		return nil, nil, false, err
	}
	ci := &ContactInbox{AccountID: account, ContactID: c.ID, InboxID: inboxID, SourceID: id.SourceID, CreatedAt: now}
	if err := ContactInboxes.Put(tx, ci); err != nil {
		return nil, nil, false, err
	}
	if created {
		if err := emit(tx, EventContactCreated, c, 0); err != nil {
			return nil, nil, false, err
		}
	}
	return c, ci, created, nil
}

// match finds the contact an identity belongs to by identifier, then phone, then email: the
// business's own id is the strongest claim, an email address the weakest (shared mailboxes).
func match(tx *storage.Tx, account uint64, id Identity) *Contact {
	for _, by := range []struct{ index, value string }{
		{"identifier", id.Identifier}, {"phone", id.Phone}, {"email", id.Email},
	} {
		if by.value == "" {
			continue
		}
		if c, err := Contacts.GetBy(tx, account, by.index, storage.Str(by.value)); err == nil {
			return c
		}
	}
	return nil
}

// fillBlanks completes a matched contact with what the channel knows and the contact lacks,
// when no other contact holds that value already (it would clash on the unique index).
func fillBlanks(tx *storage.Tx, c *Contact, id Identity) {
	free := func(index, value string) bool {
		_, err := Contacts.GetBy(tx, c.AccountID, index, storage.Str(value))
		return err != nil
	}
	if c.Identifier == "" && id.Identifier != "" && free("identifier", id.Identifier) {
		c.Identifier = id.Identifier
	}
	if c.Phone == "" && id.Phone != "" && free("phone", id.Phone) {
		c.Phone = id.Phone
	}
	if c.Email == "" && id.Email != "" && free("email", id.Email) {
		c.Email = id.Email
	}
	if c.Name == "" && id.Name != "" {
		c.Name = id.Name
	}
	for k, v := range id.Attributes {
		if _, set := c.AdditionalAttributes[k]; !set {
			if c.AdditionalAttributes == nil {
				c.AdditionalAttributes = map[string]any{}
			}
			c.AdditionalAttributes[k] = v
		}
	}
}

// fallbackName names a contact who gave no name: by phone, by email, else "Visitor 3fa2c1" so
// the list never shows a blank line.
func fallbackName(id Identity) string {
	switch {
	case id.Name != "":
		return id.Name
	case id.Phone != "":
		return id.Phone
	case id.Email != "":
		return id.Email
	}
	b := make([]byte, 3)
	rand.Read(b)
	return "Visitor " + hex.EncodeToString(b)
}

func emit(tx *storage.Tx, typ string, c *Contact, actor uint64) error {
	return tx.EmitData(storage.Event{Account: c.AccountID, Type: typ, Entity: Contacts.Name(), ID: c.ID, Actor: actor}, c)
}

// SetBotTx turns the account's bot on or off for a contact in tx (on: the bot answers; off:
// people do). Conversations call it when an agent flips the switch from a conversation.
func SetBotTx(tx *storage.Tx, account, contactID uint64, on bool, actor uint64) (*Contact, error) {
	c, err := Contacts.Get(tx, account, contactID)
	if err != nil {
		return nil, err
	}
	if c.BotOff == !on {
		return c, nil
	}
	c.BotOff = !on
	c.UpdatedAt = time.Now().UTC()
	if err := Contacts.Put(tx, c); err != nil {
		return nil, err
	}
	return c, emit(tx, EventContactUpdated, c, actor)
}

// SetBot is SetBotTx for an actor who may manage contacts.
func (s *Service) SetBot(ctx context.Context, actor access.Actor, contactID uint64, on bool) (*ContactView, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	var out ContactView
	err := s.db.Update(func(tx *storage.Tx) error {
		c, err := SetBotTx(tx, actor.AccountID, contactID, on, actor.UserID)
		if err == nil {
			out = ViewOf(c)
		}
		return err
	})
	return &out, err
}

// Sorts of the contact list: by name (A→Z, or Z→A with "-") or by last activity ("-" newest
// first, the default, as Chatwoot shows it).
var sorts = map[string]storage.Query{
	"name":              {Index: "name"},
	"-name":             {Index: "name", Reverse: true},
	"last_activity_at":  {Index: "activity"},
	"-last_activity_at": {Index: "activity", Reverse: true},
}

// List returns one page (1-based, PerPage contacts) of the account's contacts.
func (s *Service) List(ctx context.Context, actor access.Actor, page int, sort string) (*ContactList, error) {
	return s.page(actor, page, sort, nil)
}

// page returns one page of the contacts the actor sees, sorted, that match (all when match is
// nil), with the count of all of them. Without a predicate and without owner privacy the count
// is the collection's length and the walk stops at the page; otherwise every contact is read to
// count the matches (a few hundred milliseconds at 100,000 contacts, which beats keeping an index
// per attribute).
func (s *Service) page(actor access.Actor, page int, sort string, match func(tx *storage.Tx) (func(*Contact) bool, error)) (*ContactList, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	if sort == "" {
		sort = "-last_activity_at"
	}
	q, ok := sorts[sort]
	if !ok {
		return nil, apperr.Field("sort", "must be name, -name, last_activity_at or -last_activity_at")
	}
	page = max(page, 1)
	out := &ContactList{Meta: ContactListMeta{CurrentPage: page}, Payload: []ContactView{}}
	err := s.db.View(func(tx *storage.Tx) error {
		scope, err := ScopeOf(tx, actor)
		if err != nil {
			return err
		}
		skip := (page - 1) * PerPage
		if scope.All() && match == nil {
			out.Meta.Count = Contacts.Len(tx, actor.AccountID)
			return Contacts.Each(tx, actor.AccountID, q, func(c *Contact) bool {
				if skip > 0 {
					skip--
					return true
				}
				out.Payload = append(out.Payload, ViewOf(c))
				return len(out.Payload) < PerPage
			})
		}
		ok := func(*Contact) bool { return true }
		if match != nil {
			if ok, err = match(tx); err != nil {
				return err
			}
		}
		return Contacts.Each(tx, actor.AccountID, q, func(c *Contact) bool {
			if !scope.Sees(c.OwnerID) || !ok(c) {
				return true
			}
			out.Meta.Count++
			if skip > 0 {
				skip--
			} else if len(out.Payload) < PerPage {
				out.Payload = append(out.Payload, ViewOf(c))
			}
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// visible loads contact id if the actor may see it under owner privacy; a hidden contact looks
// missing, like another account's.
func visible(tx *storage.Tx, actor access.Actor, id uint64) (*Contact, error) {
	c, err := Contacts.Get(tx, actor.AccountID, id)
	if err != nil {
		return nil, err
	}
	scope, err := ScopeOf(tx, actor)
	if err != nil {
		return nil, err
	}
	if !scope.Sees(c.OwnerID) {
		return nil, apperr.NotFoundf("contact %d not found", id)
	}
	return c, nil
}

// Get returns one contact of the actor's account.
func (s *Service) Get(ctx context.Context, actor access.Actor, id uint64) (*ContactView, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	var out ContactView
	err := s.db.View(func(tx *storage.Tx) error {
		c, err := visible(tx, actor, id)
		if err == nil {
			out = ViewOf(c)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ContactInput holds the editable fields of a contact (Chatwoot's names); nil leaves a field
// alone. The attribute maps are merged into what the contact has: a null value removes a key.
type ContactInput struct {
	Name        *string `json:"name,omitempty"`
	Email       *string `json:"email,omitempty"`
	PhoneNumber *string `json:"phone_number,omitempty"`
	Identifier  *string `json:"identifier,omitempty"`
	City        *string `json:"city,omitempty"`
	Country     *string `json:"country,omitempty"`
	CompanyName *string `json:"company_name,omitempty"`
	Blocked     *bool   `json:"blocked,omitempty"`
	// OwnerID must be a member of the account; 0 clears the owner.
	OwnerID *uint64 `json:"owner_id,omitempty"`
	// CompanyID links a company of the account (its name becomes company_name); 0 unlinks.
	CompanyID *uint64 `json:"company_id,omitempty"`
	// Tags replace the contact's tags (see NormalizeTags).
	Tags                 *[]string      `json:"tags,omitempty"`
	CustomAttributes     map[string]any `json:"custom_attributes,omitempty"`
	AdditionalAttributes map[string]any `json:"additional_attributes,omitempty"`
}

// NewContact is the create form: the contact's fields, and optionally the inbox it reaches the
// business through with the channel's id for it (generated when omitted).
type NewContact struct {
	ContactInput
	InboxID  uint64 `json:"inbox_id,omitempty"`
	SourceID string `json:"source_id,omitempty"`
}

// CreatedContact is what Create returns: the contact and, when an inbox was given, its identity there.
type CreatedContact struct {
	Contact      ContactView       `json:"contact"`
	ContactInbox *ContactInboxView `json:"contact_inbox"`
}

const maxText = 255

// apply validates in and writes it onto c, collecting every problem at once.
func (in ContactInput) apply(c *Contact) error {
	var fe apperr.Fields
	text := func(field string, v *string, dst *string) {
		if v == nil {
			return
		}
		t := strings.TrimSpace(*v)
		if len(t) > maxText {
			fe.Add(field, fmt.Sprintf("must be at most %d characters", maxText))
			return
		}
		*dst = t
	}
	if in.Name != nil && strings.TrimSpace(*in.Name) == "" {
		fe.Add("name", "cannot be empty")
	}
	text("name", in.Name, &c.Name)
	text("identifier", in.Identifier, &c.Identifier)
	text("city", in.City, &c.City)
	text("country", in.Country, &c.Country)
	text("company_name", in.CompanyName, &c.Company)
	if in.Email != nil {
		if e, ok := NormalizeEmail(*in.Email); ok {
			c.Email = e
		} else {
			fe.Add("email", emailProblem)
		}
	}
	if in.PhoneNumber != nil {
		if p, ok := NormalizePhone(*in.PhoneNumber); ok {
			c.Phone = p
		} else {
			fe.Add("phone_number", phoneProblem)
		}
	}
	if in.Blocked != nil {
		c.Blocked = *in.Blocked
	}
	merge := func(field string, from map[string]any, dst *map[string]any) {
		for k, v := range from {
			if k = strings.TrimSpace(k); k == "" || len(k) > 64 {
				fe.Add(field, "has a key that is empty or longer than 64 characters")
				return
			}
			if *dst == nil {
				*dst = map[string]any{}
			}
			if v == nil {
				delete(*dst, k)
			} else {
				(*dst)[k] = v
			}
		}
	}
	merge("custom_attributes", in.CustomAttributes, &c.CustomAttributes)
	merge("additional_attributes", in.AdditionalAttributes, &c.AdditionalAttributes)
	return fe.Err()
}

// applyTx is apply plus the checks that need the store: custom attributes against the
// account's definitions, the owner a member, the company one of the account's. Every problem
// is collected; c may be half-changed on error, so callers must not write it then.
func (in ContactInput) applyTx(tx *storage.Tx, c *Contact) error {
	var fe apperr.Fields
	if len(in.CustomAttributes) > 0 {
		norm, bad := ValidateAttributes(tx, c.AccountID, ModelContact, in.CustomAttributes)
		for k, v := range bad {
			fe.Add(k, v)
		}
		if bad == nil {
			in.CustomAttributes = norm
		}
	}
	if err := in.apply(c); err != nil {
		e, ok := apperr.As(err)
		if !ok {
			return err
		}
		for k, v := range e.Fields {
			fe.Add(k, v)
		}
	}
	if in.OwnerID != nil {
		if *in.OwnerID != 0 {
			if _, err := accounts.Members.GetBy(tx, c.AccountID, "user", storage.Uint(*in.OwnerID)); err != nil {
				fe.Add("owner_id", "is not a member of this account")
			}
		}
		c.OwnerID = *in.OwnerID
	}
	if in.CompanyID != nil {
		if *in.CompanyID == 0 {
			c.CompanyID = 0
		} else if co, err := Companies.Get(tx, c.AccountID, *in.CompanyID); err == nil {
			c.CompanyID, c.Company = co.ID, co.Name
		} else {
			fe.Add("company_id", "is not a company of this account")
		}
	}
	if in.Tags != nil {
		tags, problem := NormalizeTags(*in.Tags)
		if problem != "" {
			fe.Add("tags", problem)
		}
		c.Tags = tags
	}
	return fe.Err()
}

// Create adds a contact. A contact needs at least one of name, email, phone or identifier; the
// name falls back to the phone, then the email. With inbox_id it also records the contact's
// identity in that inbox (source_id, generated when omitted), as Chatwoot's API does. A contact
// an agent creates is theirs (owner) unless they name another owner; administrators' and
// channels' contacts start unowned.
func (s *Service) Create(ctx context.Context, actor access.Actor, in NewContact) (*CreatedContact, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	c := &Contact{AccountID: actor.AccountID, CreatedAt: now, UpdatedAt: now}
	if in.Name != nil && strings.TrimSpace(*in.Name) == "" {
		in.Name = nil // a blank name on create means "derive one", not "clear it"
	}
	if in.OwnerID == nil && !actor.IsAdmin() && actor.UserID != 0 {
		c.OwnerID = actor.UserID
	}
	in.SourceID = strings.TrimSpace(in.SourceID)
	out := &CreatedContact{}
	err := s.db.Update(func(tx *storage.Tx) error {
		var fe apperr.Fields
		if err := in.applyTx(tx, c); err != nil {
			e, ok := apperr.As(err)
			if !ok {
				return err
			}
			fe = apperr.Fields(e.Fields)
		}
		if c.Name == "" {
			switch {
			case c.Phone != "" || c.Email != "":
				c.Name = fallbackName(Identity{Phone: c.Phone, Email: c.Email})
			case c.Identifier != "":
				c.Name = c.Identifier
			default:
				fe.Add("name", "is required when there is no email, phone number or identifier")
			}
		}
		if in.SourceID != "" && in.InboxID == 0 {
			fe.Add("inbox_id", "is required with source_id")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if in.InboxID != 0 && !inboxes.Inboxes.Exists(tx, actor.AccountID, in.InboxID) {
			return apperr.Field("inbox_id", "is not an inbox of this account")
		}
		if err := Contacts.Put(tx, c); err != nil {
			return err
		}
		if in.InboxID != 0 {
			if in.SourceID == "" {
				in.SourceID = newSourceID()
			}
			ci := &ContactInbox{AccountID: actor.AccountID, ContactID: c.ID, InboxID: in.InboxID, SourceID: in.SourceID, CreatedAt: now}
			if err := ContactInboxes.Put(tx, ci); err != nil {
				return err
			}
			out.ContactInbox = &ContactInboxView{ID: ci.ID, ContactID: c.ID, InboxID: ci.InboxID, SourceID: ci.SourceID}
		}
		out.Contact = ViewOf(c)
		return emit(tx, EventContactCreated, c, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// newSourceID is the channel id of a contact created through the API without one (a UUID, as
// Chatwoot generates for API inboxes).
func newSourceID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Update changes a contact's fields. An email, phone or identifier another contact holds is a
// Conflict naming the field.
func (s *Service) Update(ctx context.Context, actor access.Actor, id uint64, in ContactInput) (*ContactView, error) {
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	var out ContactView
	err := s.db.Update(func(tx *storage.Tx) error {
		c, err := visible(tx, actor, id)
		if err != nil {
			return err
		}
		if err := in.applyTx(tx, c); err != nil {
			return err
		}
		c.UpdatedAt = time.Now().UTC()
		if err := Contacts.Put(tx, c); err != nil {
			return err
		}
		out = ViewOf(c)
		return emit(tx, EventContactUpdated, c, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
