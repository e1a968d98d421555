package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/app/inboxes"
	"github.com/parleyhq/parley/app/ratelimit"
	"github.com/parleyhq/parley/storage"
)

// ContactInput is what a visitor (or an integration) tells about the contact: on create, who
// they are; on update (the pre-chat form), what changes (empty fields stay as they are).
type ContactInput struct {
	// Identifier is the site's own id of a signed-in user; IdentifierHash signs it (see
	// IdentifierHash). Without a valid hash an identifier never links to an existing contact.
	Identifier           string         `json:"identifier,omitempty" maxLength:"255"`
	IdentifierHash       string         `json:"identifier_hash,omitempty" maxLength:"128"`
	Email                string         `json:"email,omitempty" maxLength:"255"`
	Name                 string         `json:"name,omitempty" maxLength:"255"`
	PhoneNumber          string         `json:"phone_number,omitempty" maxLength:"40"`
	CustomAttributes     map[string]any `json:"custom_attributes,omitempty"`
	AdditionalAttributes map[string]any `json:"additional_attributes,omitempty"`
}

// PublicContact is the contact as the visitor sees it. SourceID is the visitor's credential in
// every client API URL (contact_identifier); PubsubToken opens the widget's socket and is shown
// only when the contact identity is created.
type PublicContact struct {
	ID          uint64 `json:"id"`
	SourceID    string `json:"source_id"`
	PubsubToken string `json:"pubsub_token,omitempty"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phone_number"`
	Identifier  string `json:"identifier"`
}

func publicContact(c *contacts.Contact, ci *contacts.ContactInbox) PublicContact {
	return PublicContact{ID: c.ID, SourceID: ci.SourceID, Name: c.Name, Email: c.Email, PhoneNumber: c.Phone, Identifier: c.Identifier}
}

// clean trims and normalises the input and checks its fields.
func (in *ContactInput) clean() error {
	var fe apperr.Fields
	in.Identifier = strings.TrimSpace(in.Identifier)
	in.Name = strings.TrimSpace(in.Name)
	var ok bool
	if in.Email, ok = contacts.NormalizeEmail(in.Email); !ok {
		fe.Add("email", "is not a valid email address")
	}
	if in.PhoneNumber, ok = contacts.NormalizePhone(in.PhoneNumber); !ok {
		fe.Add("phone_number", "must be a phone number in international format, like +5511999998888")
	}
	if utf8.RuneCountInString(in.Name) > 255 {
		fe.Add("name", "must be at most 255 characters")
	}
	if len(in.Identifier) > 255 {
		fe.Add("identifier", "must be at most 255 characters")
	}
	for field, attrs := range map[string]map[string]any{"custom_attributes": in.CustomAttributes, "additional_attributes": in.AdditionalAttributes} {
		if len(attrs) > 100 {
			fe.Add(field, "must have at most 100 keys")
		}
		for k := range attrs {
			if strings.TrimSpace(k) == "" {
				fe.Add(field, "keys must not be blank")
			}
		}
	}
	return fe.Err()
}

// owner finds the contact holding value in a unique contact index (nil: nobody).
func owner(tx *storage.Tx, account uint64, index, value string) *contacts.Contact {
	if value == "" {
		return nil
	}
	c, err := contacts.Contacts.GetBy(tx, account, index, storage.Str(value))
	if err != nil {
		return nil
	}
	return c
}

// visitorName names a contact who gave no name, so the agents' list never shows a blank line.
func visitorName(in ContactInput) string {
	switch {
	case in.Name != "":
		return in.Name
	case in.Email != "":
		return in.Email
	case in.PhoneNumber != "":
		return in.PhoneNumber
	}
	b := make([]byte, 3)
	rand.Read(b)
	return "Visitor " + hex.EncodeToString(b)
}

func emitContact(tx *storage.Tx, typ string, c *contacts.Contact) error {
	return tx.EmitData(storage.Event{Account: c.AccountID, Type: typ, Entity: contacts.Contacts.Name(), ID: c.ID}, c)
}

// newIdentity gives a contact a new identity in the inbox, with a generated source id.
func newIdentity(tx *storage.Tx, in *inboxes.Inbox, c *contacts.Contact) (*contacts.ContactInbox, error) {
	ci := &contacts.ContactInbox{AccountID: in.AccountID, ContactID: c.ID, InboxID: in.ID, SourceID: newSecret(), CreatedAt: time.Now().UTC()}
	return ci, contacts.ContactInboxes.Put(tx, ci)
}

// createContact stores a new contact from the input's fields that no other contact holds.
func createContact(tx *storage.Tx, in *inboxes.Inbox, x ContactInput) (*contacts.Contact, error) {
	now := time.Now().UTC()
	c := &contacts.Contact{AccountID: in.AccountID, CustomAttributes: x.CustomAttributes, AdditionalAttributes: x.AdditionalAttributes,
		LastActivityAt: now, CreatedAt: now, UpdatedAt: now}
	if owner(tx, in.AccountID, "identifier", x.Identifier) == nil {
		c.Identifier = x.Identifier
	} else {
		x.Identifier = ""
	}
	if owner(tx, in.AccountID, "email", x.Email) == nil {
		c.Email = x.Email
	} else {
		x.Email = ""
	}
	if owner(tx, in.AccountID, "phone", x.PhoneNumber) == nil {
		c.Phone = x.PhoneNumber
	} else {
		x.PhoneNumber = ""
	}
	c.Name = visitorName(x)
	if err := contacts.Contacts.Put(tx, c); err != nil {
		return nil, err
	}
	return c, emitContact(tx, contacts.EventContactCreated, c)
}

// fillBlanks completes a verified user's contact with what the site says and the contact lacks
// (values another contact holds are left out); it reports whether anything changed.
func fillBlanks(tx *storage.Tx, c *contacts.Contact, x ContactInput) bool {
	changed := false
	if c.Name == "" && x.Name != "" || x.Name != "" && strings.HasPrefix(c.Name, "Visitor ") {
		c.Name, changed = x.Name, true
	}
	if c.Email == "" && x.Email != "" && owner(tx, c.AccountID, "email", x.Email) == nil {
		c.Email, changed = x.Email, true
	}
	if c.Phone == "" && x.PhoneNumber != "" && owner(tx, c.AccountID, "phone", x.PhoneNumber) == nil {
		c.Phone, changed = x.PhoneNumber, true
	}
	if len(x.CustomAttributes) > 0 {
		if c.CustomAttributes == nil {
			c.CustomAttributes = map[string]any{}
		}
		maps.Copy(c.CustomAttributes, x.CustomAttributes)
		changed = true
	}
	return changed
}

// heldAnonymously reports whether an unverified visitor can act as c: c has an identity in an
// API or website inbox that no verified identifier is linked to. Such a contact's identifier,
// email and phone are only what that visitor typed, so a signed-in user matching them must not
// be given c (the visitor would read the user's details and write as them).
func heldAnonymously(tx *storage.Tx, c *contacts.Contact) bool {
	held := false
	err := contacts.ContactInboxes.Each(tx, c.AccountID, storage.Query{Index: "contact", Prefix: storage.Uint(c.ID)}, func(ci *contacts.ContactInbox) bool {
		in, err := inboxes.Inboxes.Get(tx, c.AccountID, ci.InboxID)
		if err != nil || in.ChannelType != inboxes.ChannelAPI && in.ChannelType != inboxes.ChannelWebWidget {
			return true
		}
		if c.Identifier != "" {
			link, err := identityLinks.GetBy(tx, c.AccountID, "identifier", storage.Key(storage.Uint(ci.InboxID), storage.Str(c.Identifier)))
			if err == nil && link.ContactInboxID == ci.ID {
				return true
			}
		}
		held = true
		return false
	})
	return held || err != nil
}

// linkVerified finds the identity of a verified user in the inbox: the one linked before (every
// device gets the same source id), else a new identity of the contact holding their identifier,
// else of a new contact. The hash proves the identifier and nothing else, so the email and phone
// sent with it never find a contact: they only fill that contact's blanks, and a value another
// contact holds is dropped (linking by it would hand the visitor that person's contact).
func linkVerified(tx *storage.Tx, in *inboxes.Inbox, x ContactInput) (*contacts.Contact, *contacts.ContactInbox, error) {
	linkKey := storage.Key(storage.Uint(in.ID), storage.Str(x.Identifier))
	link, err := identityLinks.GetBy(tx, in.AccountID, "identifier", linkKey)
	if err == nil {
		if ci, err := contacts.ContactInboxes.Get(tx, in.AccountID, link.ContactInboxID); err == nil {
			if c, err := contacts.Contacts.Get(tx, in.AccountID, ci.ContactID); err == nil {
				if fillBlanks(tx, c, x) {
					c.UpdatedAt = time.Now().UTC()
					if err := contacts.Contacts.Put(tx, c); err != nil {
						return nil, nil, err
					}
					if err := emitContact(tx, contacts.EventContactUpdated, c); err != nil {
						return nil, nil, err
					}
				}
				return c, ci, nil
			}
		}
	} else if !apperr.Is(err, apperr.NotFound) {
		return nil, nil, err
	} else {
		link = &identityLink{AccountID: in.AccountID, InboxID: in.ID, Identifier: x.Identifier}
	}
	c := owner(tx, in.AccountID, "identifier", x.Identifier)
	if c != nil && heldAnonymously(tx, c) {
		c = nil
	}
	if c == nil {
		if c, err = createContact(tx, in, x); err != nil {
			return nil, nil, err
		}
	} else {
		fillBlanks(tx, c, x)
		c.UpdatedAt = time.Now().UTC()
		if err := contacts.Contacts.Put(tx, c); err != nil {
			return nil, nil, err
		}
		if err := emitContact(tx, contacts.EventContactUpdated, c); err != nil {
			return nil, nil, err
		}
	}
	ci, err := newIdentity(tx, in, c)
	if err != nil {
		return nil, nil, err
	}
	link.ContactInboxID = ci.ID
	return c, ci, identityLinks.Put(tx, link)
}

// CreateContact makes the visitor's contact identity in the inbox and returns it with its
// source id and a fresh pubsub token. With an identifier signed by identifier_hash, the user's
// existing identity is reused on every device; an identifier without a valid hash is refused
// when the inbox requires one, and otherwise never links: a new anonymous contact gets only
// the values no other contact holds.
func (s *Service) CreateContact(ctx context.Context, identifier string, in ContactInput, ip string) (*PublicContact, error) {
	if err := s.lim.allowIP(ip); err != nil {
		return nil, err
	}
	if err := takeKey(s.lim.create, ratelimit.AddressKey(ip), "new contacts from this address"); err != nil {
		return nil, err
	}
	if err := in.clean(); err != nil {
		return nil, err
	}
	var out PublicContact
	err := s.DB.Update(func(tx *storage.Tx) error {
		inbox, err := inboxIn(tx, identifier)
		if err != nil {
			return err
		}
		ok := in.Identifier != "" && verified(inbox, in.Identifier, in.IdentifierHash)
		if in.Identifier != "" && !ok && inbox.ChannelBool(inboxes.KeyHMACMandatory) {
			return badHash()
		}
		var c *contacts.Contact
		var ci *contacts.ContactInbox
		if ok {
			c, ci, err = linkVerified(tx, inbox, in)
		} else {
			if c, err = createContact(tx, inbox, in); err == nil {
				ci, err = newIdentity(tx, inbox, c)
			}
		}
		if err != nil {
			return err
		}
		out = publicContact(c, ci)
		out.PubsubToken, err = issuePubsub(tx, inbox, ci)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetContact returns the visitor's contact (without a pubsub token).
func (s *Service) GetContact(ctx context.Context, c Caller) (*PublicContact, error) {
	if err := s.lim.allowIP(c.IP); err != nil {
		return nil, err
	}
	var out PublicContact
	err := s.DB.View(func(tx *storage.Tx) error {
		_, _, ci, err := visitorIn(tx, c.Inbox, c.Contact)
		if err != nil {
			return err
		}
		ct, err := contacts.Contacts.Get(tx, ci.AccountID, ci.ContactID)
		if err != nil {
			return apperr.NotFoundf("contact not found")
		}
		out = publicContact(ct, ci)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateContact changes the visitor's contact (the pre-chat form): name, email, phone and
// attributes. An email or phone another contact holds is refused rather than merged (a visitor
// never takes over someone else's contact); a new identifier needs a valid identifier_hash.
func (s *Service) UpdateContact(ctx context.Context, c Caller, in ContactInput) (*PublicContact, error) {
	if err := s.lim.allowIP(c.IP); err != nil {
		return nil, err
	}
	if err := in.clean(); err != nil {
		return nil, err
	}
	var out PublicContact
	err := s.DB.Update(func(tx *storage.Tx) error {
		_, inbox, ci, err := visitorIn(tx, c.Inbox, c.Contact)
		if err != nil {
			return err
		}
		ct, err := contacts.Contacts.Get(tx, ci.AccountID, ci.ContactID)
		if err != nil {
			return apperr.NotFoundf("contact not found")
		}
		var fe apperr.Fields
		taken := func(index, value string) bool {
			o := owner(tx, ct.AccountID, index, value)
			return o != nil && o.ID != ct.ID
		}
		if in.Identifier != "" && in.Identifier != ct.Identifier {
			if !verified(inbox, in.Identifier, in.IdentifierHash) {
				return badHash()
			}
			if taken("identifier", in.Identifier) {
				fe.Add("identifier", "belongs to another contact: create the contact again with this identifier to sign in")
			}
		}
		if in.Email != "" && taken("email", in.Email) {
			fe.Add("email", "is already used by another contact")
		}
		if in.PhoneNumber != "" && taken("phone", in.PhoneNumber) {
			fe.Add("phone_number", "is already used by another contact")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if in.Identifier != "" && in.Identifier != ct.Identifier {
			ct.Identifier = in.Identifier
			link, err := identityLinks.GetBy(tx, ct.AccountID, "identifier", storage.Key(storage.Uint(inbox.ID), storage.Str(in.Identifier)))
			if err != nil {
				link = &identityLink{AccountID: ct.AccountID, InboxID: inbox.ID, Identifier: in.Identifier}
			}
			link.ContactInboxID = ci.ID
			if err := identityLinks.Put(tx, link); err != nil {
				return err
			}
		}
		if in.Name != "" {
			ct.Name = in.Name
		}
		if in.Email != "" {
			ct.Email = in.Email
		}
		if in.PhoneNumber != "" {
			ct.Phone = in.PhoneNumber
		}
		for _, m := range []struct {
			dst *map[string]any
			src map[string]any
		}{{&ct.CustomAttributes, in.CustomAttributes}, {&ct.AdditionalAttributes, in.AdditionalAttributes}} {
			if len(m.src) == 0 {
				continue
			}
			if *m.dst == nil {
				*m.dst = map[string]any{}
			}
			maps.Copy(*m.dst, m.src)
			if len(*m.dst) > 100 {
				return apperr.Field("custom_attributes", "a contact has at most 100 attributes")
			}
		}
		ct.UpdatedAt = time.Now().UTC()
		if err := contacts.Contacts.Put(tx, ct); err != nil {
			return err
		}
		out = publicContact(ct, ci)
		return emitContact(tx, contacts.EventContactUpdated, ct)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
