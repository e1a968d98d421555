package crm

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/contacts"
	"github.com/parleyhq/parley/storage"
)

// Field types of custom object fields.
const (
	ObjText     = "text"
	ObjNumber   = "number"
	ObjCurrency = "currency"
	ObjDate     = "date"
	ObjBoolean  = "boolean"
	ObjList     = "list"
	ObjLink     = "link"
)

// ObjectFieldTypes lists the field types in the order the UI offers them.
var ObjectFieldTypes = []string{ObjText, ObjNumber, ObjCurrency, ObjDate, ObjBoolean, ObjList, ObjLink}

// Limits of custom object types.
const (
	MaxObjectFields   = 50
	MaxListOptions    = 100
	DefaultObjectIcon = "pi pi-database"
	ObjectsPerPage    = 25
)

// Association targets.
const (
	TargetContact = "contact"
	TargetDeal    = "deal"
)

// ObjectField is one property of a custom object type. Its key comes from the name once and
// never changes, so stored values keep pointing at it when the field is renamed.
type ObjectField struct {
	Key      string   `json:"key"`
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Options  []string `json:"options,omitempty"`
	Required bool     `json:"required"`
}

// ObjectType is a kind of record the business defines (vehicles, properties, policies…), with
// its fields; PrimaryField names the field that titles a record.
type ObjectType struct {
	ID           uint64        `json:"id"`
	AccountID    uint64        `json:"account_id"`
	Name         string        `json:"name"`
	Icon         string        `json:"icon"`
	Fields       []ObjectField `json:"fields"`
	PrimaryField string        `json:"primary_field"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
}

// ObjectTypes are scoped by account; names are unique case-insensitively.
var ObjectTypes = storage.NewCollection(storage.Def[ObjectType]{
	Name:    "object_types",
	ID:      func(t *ObjectType) *uint64 { return &t.ID },
	Account: func(t *ObjectType) uint64 { return t.AccountID },
	Feed:    true,
	Indexes: []storage.Index[ObjectType]{
		{Name: "name", Unique: true, Keys: func(t *ObjectType) [][]byte { return [][]byte{storage.Str(storage.Fold(t.Name))} }},
	},
})

// ObjectRecord is one record of a custom object type; Values are keyed by field key.
type ObjectRecord struct {
	ID        uint64         `json:"id"`
	AccountID uint64         `json:"account_id"`
	TypeID    uint64         `json:"type_id"`
	Values    map[string]any `json:"values"`
	// ExternalID is the record's id in the system that sent it; unique in its type, so an
	// integration sending the record again updates it.
	ExternalID string    `json:"external_id,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ObjectRecords are scoped by account: "type" lists a type's records, "external" makes
// (type, external id) unique.
var ObjectRecords = storage.NewCollection(storage.Def[ObjectRecord]{
	Name:    "object_records",
	ID:      func(r *ObjectRecord) *uint64 { return &r.ID },
	Account: func(r *ObjectRecord) uint64 { return r.AccountID },
	Feed:    true,
	Indexes: []storage.Index[ObjectRecord]{
		{Name: "type", Keys: func(r *ObjectRecord) [][]byte { return [][]byte{storage.Uint(r.TypeID)} }},
		{Name: "external", Unique: true, Field: "external_id", Keys: func(r *ObjectRecord) [][]byte {
			if r.ExternalID == "" {
				return nil
			}
			return [][]byte{storage.Key(storage.Uint(r.TypeID), storage.Str(r.ExternalID))}
		}},
	},
})

// Association links a record to a contact or a deal, at most once per pair, with an optional
// label ("owner", "driver") and date.
type Association struct {
	ID         uint64 `json:"id"`
	AccountID  uint64 `json:"account_id"`
	RecordID   uint64 `json:"record_id"`
	TypeID     uint64 `json:"type_id"`
	TargetType string `json:"target_type"`
	TargetID   uint64 `json:"target_id"`
	Label      string `json:"label,omitempty"`
	// AssociatedOn is a calendar date, YYYY-MM-DD, or empty.
	AssociatedOn string    `json:"associated_on,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// Associations are scoped by account: "pair" keeps (record, target) unique, "record" lists a
// record's, "target" a contact's or deal's, "type" a type's targets (segment conditions).
var Associations = storage.NewCollection(storage.Def[Association]{
	Name:    "object_associations",
	ID:      func(a *Association) *uint64 { return &a.ID },
	Account: func(a *Association) uint64 { return a.AccountID },
	Feed:    true,
	Indexes: []storage.Index[Association]{
		{Name: "pair", Unique: true, Field: "target_id", Keys: func(a *Association) [][]byte {
			return [][]byte{storage.Key(storage.Uint(a.RecordID), storage.Str(a.TargetType), storage.Uint(a.TargetID))}
		}},
		{Name: "record", Keys: func(a *Association) [][]byte { return [][]byte{storage.Uint(a.RecordID)} }},
		{Name: "target", Keys: func(a *Association) [][]byte {
			return [][]byte{storage.Key(storage.Str(a.TargetType), storage.Uint(a.TargetID))}
		}},
		{Name: "type", Keys: func(a *Association) [][]byte {
			return [][]byte{storage.Key(storage.Uint(a.TypeID), storage.Str(a.TargetType), storage.Uint(a.TargetID))}
		}},
	},
})

// Event types of custom objects.
const (
	EventObjectTypeCreated        = "custom_object_type_created"
	EventObjectTypeUpdated        = "custom_object_type_updated"
	EventObjectTypeDeleted        = "custom_object_type_deleted"
	EventObjectRecordCreated      = "custom_object_record_created"
	EventObjectRecordUpdated      = "custom_object_record_updated"
	EventObjectRecordDeleted      = "custom_object_record_deleted"
	EventObjectAssociationCreated = "custom_object_association_created"
	EventObjectAssociationDeleted = "custom_object_association_deleted"
)

// ---- types ----

// ObjectFieldInput is a field of a type as sent: an existing field is named by its key (so a
// rename keeps the key); a field without a known key gets one from its name.
type ObjectFieldInput struct {
	Key      string   `json:"key,omitempty"`
	Name     string   `json:"name"`
	Type     string   `json:"type" doc:"text, number, currency, date, boolean, list or link"`
	Options  []string `json:"options,omitempty" doc:"The choices of a list field (1 to 100)"`
	Required bool     `json:"required,omitempty"`
}

// ObjectTypeInput holds the fields of a type; nil leaves a field alone. Fields, when sent,
// replace the whole list.
type ObjectTypeInput struct {
	Name         *string             `json:"name,omitempty"`
	Icon         *string             `json:"icon,omitempty" doc:"A PrimeIcons class such as \"pi pi-book\"; defaults to \"pi pi-database\""`
	Fields       *[]ObjectFieldInput `json:"fields,omitempty"`
	PrimaryField *string             `json:"primary_field,omitempty" doc:"The key (or name) of the text or number field that titles a record"`
}

// ObjectTypeView is a type with how many records it has.
type ObjectTypeView struct {
	ID           uint64        `json:"id"`
	Name         string        `json:"name"`
	Icon         string        `json:"icon"`
	Fields       []ObjectField `json:"fields"`
	PrimaryField string        `json:"primary_field"`
	RecordsCount int           `json:"records_count"`
	CreatedAt    int64         `json:"created_at"`
	UpdatedAt    int64         `json:"updated_at"`
}

// ObjectTypeList is the account's types, by name.
type ObjectTypeList struct {
	Payload []ObjectTypeView `json:"payload"`
}

var iconRE = regexp.MustCompile(`^pi pi-[a-z0-9-]+$`)

func objectTypeView(tx *storage.Tx, t *ObjectType) ObjectTypeView {
	n, _ := ObjectRecords.Count(tx, t.AccountID, storage.Query{Index: "type", Prefix: storage.Uint(t.ID)})
	fields := t.Fields
	if fields == nil {
		fields = []ObjectField{}
	}
	return ObjectTypeView{ID: t.ID, Name: t.Name, Icon: t.Icon, Fields: fields, PrimaryField: t.PrimaryField, RecordsCount: n,
		CreatedAt: t.CreatedAt.Unix(), UpdatedAt: t.UpdatedAt.Unix()}
}

// apply copies in onto t and checks it: names, icon, field keys unique in the type, list
// options, and a primary field that is a text or number field.
func (in ObjectTypeInput) apply(t *ObjectType) error {
	var fe apperr.Fields
	if in.Name != nil {
		t.Name = strings.TrimSpace(*in.Name)
	}
	if n := utf8.RuneCountInString(t.Name); n == 0 || n > 60 {
		fe.Add("name", "must have 1 to 60 characters")
	}
	if in.Icon != nil {
		t.Icon = strings.TrimSpace(*in.Icon)
	}
	if t.Icon == "" {
		t.Icon = DefaultObjectIcon
	}
	if !iconRE.MatchString(t.Icon) {
		fe.Add("icon", `must be a PrimeIcons class such as "pi pi-book"`)
	}
	if in.Fields != nil {
		old := map[string]bool{}
		for _, f := range t.Fields {
			old[f.Key] = true
		}
		if len(*in.Fields) > MaxObjectFields {
			fe.Add("fields", fmt.Sprintf("must be at most %d", MaxObjectFields))
		}
		seen := map[string]bool{}
		fields := make([]ObjectField, 0, len(*in.Fields))
		for i, fi := range *in.Fields {
			at := fmt.Sprintf("fields.%d.", i)
			f := ObjectField{Name: strings.TrimSpace(fi.Name), Type: strings.TrimSpace(fi.Type), Required: fi.Required}
			f.Key = KeyOr(fi.Key, f.Name, old)
			switch n := utf8.RuneCountInString(f.Name); {
			case n == 0 || n > 60:
				fe.Add(at+"name", "must have 1 to 60 characters")
			case f.Key == "":
				fe.Add(at+"name", "must contain letters or digits")
			case seen[f.Key]:
				fe.Add(at+"name", "gives the same key as another field ("+f.Key+")")
			}
			seen[f.Key] = true
			if !slices.Contains(ObjectFieldTypes, f.Type) {
				fe.Add(at+"type", "must be one of "+strings.Join(ObjectFieldTypes, ", "))
			}
			if f.Type == ObjList {
				for _, o := range fi.Options {
					if o = strings.TrimSpace(o); o != "" && !slices.Contains(f.Options, o) {
						f.Options = append(f.Options, o)
					}
				}
				if len(f.Options) == 0 || len(f.Options) > MaxListOptions {
					fe.Add(at+"options", fmt.Sprintf("must have 1 to %d choices", MaxListOptions))
				}
			}
			fields = append(fields, f)
		}
		t.Fields = fields
	}
	if in.PrimaryField != nil {
		t.PrimaryField = strings.TrimSpace(*in.PrimaryField)
		if f := t.field(t.PrimaryField); f == nil {
			if f = t.field(contacts.KeyFromName(t.PrimaryField)); f != nil {
				t.PrimaryField = f.Key
			}
		}
	}
	if t.PrimaryField == "" {
		fe.Add("primary_field", "is required: choose the text or number field that names a record")
	} else if f := t.field(t.PrimaryField); f == nil || (f.Type != ObjText && f.Type != ObjNumber) {
		fe.Add("primary_field", "must be the key of a text or number field of this type")
	}
	return fe.Err()
}

// KeyOr keeps key when it names an existing field, else derives one from name.
func KeyOr(key, name string, existing map[string]bool) string {
	if key = strings.TrimSpace(key); key != "" && existing[key] {
		return key
	}
	return contacts.KeyFromName(name)
}

func (t *ObjectType) field(key string) *ObjectField {
	for i := range t.Fields {
		if t.Fields[i].Key == key {
			return &t.Fields[i]
		}
	}
	return nil
}

func emitObject(tx *storage.Tx, typ, entity string, account, id uint64, data any, actor uint64) error {
	return tx.EmitData(storage.Event{Account: account, Type: typ, Entity: entity, ID: id, Actor: actor}, data)
}

// ListObjectTypes returns the account's custom object types by name.
func (s *Service) ListObjectTypes(ctx context.Context, actor access.Actor) (*ObjectTypeList, error) {
	if err := actor.Require(ObjectsModule, access.View); err != nil {
		return nil, err
	}
	out := &ObjectTypeList{Payload: []ObjectTypeView{}}
	err := s.db.View(func(tx *storage.Tx) error {
		return ObjectTypes.Each(tx, actor.AccountID, storage.Query{Index: "name"}, func(t *ObjectType) bool {
			out.Payload = append(out.Payload, objectTypeView(tx, t))
			return true
		})
	})
	return out, err
}

// GetObjectType returns one type.
func (s *Service) GetObjectType(ctx context.Context, actor access.Actor, id uint64) (*ObjectTypeView, error) {
	if err := actor.Require(ObjectsModule, access.View); err != nil {
		return nil, err
	}
	var out ObjectTypeView
	err := s.db.View(func(tx *storage.Tx) error {
		t, err := ObjectTypes.Get(tx, actor.AccountID, id)
		if err == nil {
			out = objectTypeView(tx, t)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateObjectType defines a custom object type ("custom object management": Manage).
func (s *Service) CreateObjectType(ctx context.Context, actor access.Actor, in ObjectTypeInput) (*ObjectTypeView, error) {
	if err := actor.Require(ObjectsModule, access.Manage); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	t := &ObjectType{AccountID: actor.AccountID, Fields: []ObjectField{}, CreatedAt: now, UpdatedAt: now}
	if err := in.apply(t); err != nil {
		return nil, err
	}
	var out ObjectTypeView
	err := s.db.Update(func(tx *storage.Tx) error {
		if err := ObjectTypes.Put(tx, t); err != nil {
			return err
		}
		out = objectTypeView(tx, t)
		return emitObject(tx, EventObjectTypeCreated, ObjectTypes.Name(), t.AccountID, t.ID, t, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateObjectType changes a type. Stored values stay as they are when a field changes type or
// goes away; they are checked again on the record's next write.
func (s *Service) UpdateObjectType(ctx context.Context, actor access.Actor, id uint64, in ObjectTypeInput) (*ObjectTypeView, error) {
	if err := actor.Require(ObjectsModule, access.Manage); err != nil {
		return nil, err
	}
	var out ObjectTypeView
	err := s.db.Update(func(tx *storage.Tx) error {
		t, err := ObjectTypes.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if err := in.apply(t); err != nil {
			return err
		}
		t.UpdatedAt = time.Now().UTC()
		if err := ObjectTypes.Put(tx, t); err != nil {
			return err
		}
		out = objectTypeView(tx, t)
		return emitObject(tx, EventObjectTypeUpdated, ObjectTypes.Name(), t.AccountID, t.ID, t, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteObjectType removes a type that has no records (deleting records is a decision made
// record by record, not as a side effect).
func (s *Service) DeleteObjectType(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.Require(ObjectsModule, access.Manage); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		t, err := ObjectTypes.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if n, err := ObjectRecords.Count(tx, actor.AccountID, storage.Query{Index: "type", Prefix: storage.Uint(id)}); err != nil {
			return err
		} else if n > 0 {
			return apperr.Conflictf("the type %q still has %d records: delete them first", t.Name, n)
		}
		if err := ObjectTypes.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		return emitObject(tx, EventObjectTypeDeleted, ObjectTypes.Name(), t.AccountID, t.ID, t, actor.UserID)
	})
}

// ---- records ----

// ObjectRecordInput holds a record's values (merged into what it has; null removes a value)
// and its external id.
type ObjectRecordInput struct {
	Values     map[string]any `json:"values,omitempty"`
	ExternalID *string        `json:"external_id,omitempty" doc:"The record's id in the sending system; sending it again updates the record"`
}

// ObjectRecordView is a record as the API shows it.
type ObjectRecordView struct {
	ID                uint64         `json:"id"`
	TypeID            uint64         `json:"type_id"`
	DisplayName       string         `json:"display_name"`
	Values            map[string]any `json:"values"`
	ExternalID        string         `json:"external_id"`
	AssociationsCount int            `json:"associations_count"`
	CreatedAt         int64          `json:"created_at"`
	UpdatedAt         int64          `json:"updated_at"`
}

// ObjectRecordList is one page of a type's records.
type ObjectRecordList struct {
	Meta    ListMeta           `json:"meta"`
	Payload []ObjectRecordView `json:"payload"`
}

// displayName is the primary field's value as text.
func displayName(t *ObjectType, r *ObjectRecord) string {
	if t == nil {
		return ""
	}
	switch v := r.Values[t.PrimaryField].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func objectRecordView(tx *storage.Tx, t *ObjectType, r *ObjectRecord) ObjectRecordView {
	n, _ := Associations.Count(tx, r.AccountID, storage.Query{Index: "record", Prefix: storage.Uint(r.ID)})
	values := r.Values
	if values == nil {
		values = map[string]any{}
	}
	return ObjectRecordView{ID: r.ID, TypeID: r.TypeID, DisplayName: displayName(t, r), Values: values, ExternalID: r.ExternalID,
		AssociationsCount: n, CreatedAt: r.CreatedAt.Unix(), UpdatedAt: r.UpdatedAt.Unix()}
}

// ValidateObjectValues merges in into the record's values and checks every value against its
// field (all of them, so values stored before a field changed type are checked again): numbers
// and currency as float64, dates as YYYY-MM-DD, booleans, list values as the option's
// spelling, links http(s); required fields present. Values of fields that no longer exist are
// dropped; keys sent that are no field are errors. Errors are "values.<key>".
func ValidateObjectValues(t *ObjectType, current, in map[string]any) (map[string]any, apperr.Fields) {
	var fe apperr.Fields
	out := map[string]any{}
	for k, v := range current {
		if t.field(k) != nil {
			out[k] = v
		}
	}
	for k, v := range in {
		if t.field(k) == nil {
			fe.Add("values."+k, "is not a field of this type")
			continue
		}
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	for _, f := range t.Fields {
		v, ok := out[f.Key]
		if ok {
			nv, msg := objectValue(f, v)
			if msg != "" {
				fe.Add("values."+f.Key, msg)
				continue
			}
			if nv == nil {
				delete(out, f.Key)
				ok = false
			} else {
				out[f.Key] = nv
			}
		}
		if !ok && f.Required {
			fe.Add("values."+f.Key, "is required")
		}
	}
	return out, fe
}

// objectValue normalises one value for its field; a blank text means "no value" (nil).
func objectValue(f ObjectField, v any) (any, string) {
	str, isStr := v.(string)
	if isStr {
		str = strings.TrimSpace(str)
		if str == "" {
			return nil, ""
		}
	}
	switch f.Type {
	case ObjText:
		if !isStr {
			return nil, "must be text"
		}
		if utf8.RuneCountInString(str) > 5000 {
			return nil, "must have at most 5000 characters"
		}
		return str, ""
	case ObjNumber, ObjCurrency:
		switch n := v.(type) {
		case float64:
			return n, ""
		case int:
			return float64(n), ""
		case int64:
			return float64(n), ""
		}
		if isStr {
			if n, err := strconv.ParseFloat(strings.ReplaceAll(str, ",", "."), 64); err == nil {
				return n, ""
			}
		}
		return nil, "must be a number"
	case ObjDate:
		if _, err := time.Parse(time.DateOnly, str); !isStr || err != nil {
			return nil, "must be a date (YYYY-MM-DD)"
		}
		return str, ""
	case ObjBoolean:
		if b, ok := v.(bool); ok {
			return b, ""
		}
		if b, err := strconv.ParseBool(str); isStr && err == nil {
			return b, ""
		}
		return nil, "must be true or false"
	case ObjList:
		if isStr {
			for _, o := range f.Options {
				if strings.EqualFold(o, str) {
					return o, ""
				}
			}
		}
		return nil, "must be one of " + strings.Join(f.Options, ", ")
	case ObjLink:
		if u, err := url.Parse(str); isStr && err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			return str, ""
		}
		return nil, "must be an http(s) link"
	}
	return nil, "has an unknown field type"
}

// ListObjectRecords returns one page of a type's records, newest first; q keeps those whose
// display name contains it.
func (s *Service) ListObjectRecords(ctx context.Context, actor access.Actor, typeID uint64, q string, page int) (*ObjectRecordList, error) {
	if err := actor.Require(ObjectsModule, access.View); err != nil {
		return nil, err
	}
	page = max(page, 1)
	q = storage.Fold(q)
	out := &ObjectRecordList{Meta: ListMeta{CurrentPage: page}, Payload: []ObjectRecordView{}}
	err := s.db.View(func(tx *storage.Tx) error {
		t, err := ObjectTypes.Get(tx, actor.AccountID, typeID)
		if err != nil {
			return err
		}
		skip := (page - 1) * ObjectsPerPage
		return ObjectRecords.Each(tx, actor.AccountID, storage.Query{Index: "type", Prefix: storage.Uint(typeID), Reverse: true}, func(r *ObjectRecord) bool {
			if q != "" && !strings.Contains(storage.Fold(displayName(t, r)), q) && !strings.Contains(storage.Fold(r.ExternalID), q) {
				return true
			}
			out.Meta.Count++
			if skip > 0 {
				skip--
			} else if len(out.Payload) < ObjectsPerPage {
				out.Payload = append(out.Payload, objectRecordView(tx, t, r))
			}
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetObjectRecord returns one record.
func (s *Service) GetObjectRecord(ctx context.Context, actor access.Actor, id uint64) (*ObjectRecordView, error) {
	if err := actor.Require(ObjectsModule, access.View); err != nil {
		return nil, err
	}
	var out ObjectRecordView
	err := s.db.View(func(tx *storage.Tx) error {
		r, err := ObjectRecords.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		t, _ := ObjectTypes.Get(tx, actor.AccountID, r.TypeID)
		out = objectRecordView(tx, t, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateObjectRecord adds a record to a type. When external_id already names a record of the
// type, that record is updated from the body instead (created is false): integrations resend.
func (s *Service) CreateObjectRecord(ctx context.Context, actor access.Actor, typeID uint64, in ObjectRecordInput) (view *ObjectRecordView, created bool, err error) {
	if err := actor.Require(ObjectsModule, access.Manage); err != nil {
		return nil, false, err
	}
	var out ObjectRecordView
	err = s.db.Update(func(tx *storage.Tx) error {
		t, err := ObjectTypes.Get(tx, actor.AccountID, typeID)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		r := &ObjectRecord{AccountID: actor.AccountID, TypeID: typeID, CreatedAt: now}
		if in.ExternalID != nil {
			r.ExternalID = strings.TrimSpace(*in.ExternalID)
			if utf8.RuneCountInString(r.ExternalID) > 200 {
				return apperr.Field("external_id", "must have at most 200 characters")
			}
		}
		if r.ExternalID != "" {
			old, err := ObjectRecords.GetBy(tx, actor.AccountID, "external", storage.Key(storage.Uint(typeID), storage.Str(r.ExternalID)))
			if err == nil {
				r = old
			} else if !apperr.Is(err, apperr.NotFound) {
				return err
			}
		}
		created = r.ID == 0
		return s.putRecord(tx, actor, t, r, in.Values, created, &out)
	})
	if err != nil {
		return nil, false, err
	}
	return &out, created, nil
}

func (s *Service) putRecord(tx *storage.Tx, actor access.Actor, t *ObjectType, r *ObjectRecord, values map[string]any, created bool, out *ObjectRecordView) error {
	vals, fe := ValidateObjectValues(t, r.Values, values)
	if err := fe.Err(); err != nil {
		return err
	}
	r.Values, r.UpdatedAt = vals, time.Now().UTC()
	if err := ObjectRecords.Put(tx, r); err != nil {
		return err
	}
	*out = objectRecordView(tx, t, r)
	typ := EventObjectRecordUpdated
	if created {
		typ = EventObjectRecordCreated
	}
	return emitObject(tx, typ, ObjectRecords.Name(), r.AccountID, r.ID, r, actor.UserID)
}

// UpdateObjectRecord changes a record's values (merged) or external id.
func (s *Service) UpdateObjectRecord(ctx context.Context, actor access.Actor, id uint64, in ObjectRecordInput) (*ObjectRecordView, error) {
	if err := actor.Require(ObjectsModule, access.Manage); err != nil {
		return nil, err
	}
	var out ObjectRecordView
	err := s.db.Update(func(tx *storage.Tx) error {
		r, err := ObjectRecords.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		t, err := ObjectTypes.Get(tx, actor.AccountID, r.TypeID)
		if err != nil {
			return err
		}
		if in.ExternalID != nil {
			r.ExternalID = strings.TrimSpace(*in.ExternalID)
			if utf8.RuneCountInString(r.ExternalID) > 200 {
				return apperr.Field("external_id", "must have at most 200 characters")
			}
		}
		return s.putRecord(tx, actor, t, r, in.Values, false, &out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteObjectRecord removes a record and its associations.
func (s *Service) DeleteObjectRecord(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.Require(ObjectsModule, access.Manage); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		r, err := ObjectRecords.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		page, err := Associations.Scan(tx, actor.AccountID, storage.Query{Index: "record", Prefix: storage.Uint(id)})
		if err != nil {
			return err
		}
		for i := range page.Items {
			if err := dropAssociation(tx, &page.Items[i], actor.UserID); err != nil {
				return err
			}
		}
		if err := ObjectRecords.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		return emitObject(tx, EventObjectRecordDeleted, ObjectRecords.Name(), r.AccountID, r.ID, r, actor.UserID)
	})
}

// ---- associations ----

// AssociationInput links a record to a contact or a deal.
type AssociationInput struct {
	TargetType   string `json:"target_type" doc:"contact or deal"`
	TargetID     uint64 `json:"target_id"`
	Label        string `json:"label,omitempty" doc:"At most 60 characters, such as \"owner\""`
	AssociatedOn string `json:"associated_on,omitempty" doc:"YYYY-MM-DD"`
}

// AssociationView is an association as the API shows it.
type AssociationView struct {
	ID           uint64 `json:"id"`
	RecordID     uint64 `json:"record_id"`
	TargetType   string `json:"target_type"`
	TargetID     uint64 `json:"target_id"`
	TargetName   string `json:"target_name"`
	Label        string `json:"label"`
	AssociatedOn string `json:"associated_on"`
	CreatedAt    int64  `json:"created_at"`
}

// AssociationList is a record's associations, oldest first.
type AssociationList struct {
	Payload []AssociationView `json:"payload"`
}

// targetModule is the permission that lets an actor link records to a target.
func targetModule(targetType string) string {
	if targetType == TargetDeal {
		return Module
	}
	return contacts.Module
}

// visibleTarget loads the name of a contact or deal the actor may see; anything else is a
// field error on target_id (privacy hides other owners' records like missing ones).
func visibleTarget(tx *storage.Tx, actor access.Actor, targetType string, id uint64) (string, error) {
	scope, err := contacts.ScopeOf(tx, actor)
	if err != nil {
		return "", err
	}
	switch targetType {
	case TargetContact:
		if c, err := contacts.Contacts.Get(tx, actor.AccountID, id); err == nil && scope.Sees(c.OwnerID) {
			return c.Name, nil
		}
		return "", apperr.Field("target_id", "is not a contact of this account")
	case TargetDeal:
		if d, err := Deals.Get(tx, actor.AccountID, id); err == nil && scope.Sees(d.OwnerID) {
			return d.Title, nil
		}
		return "", apperr.Field("target_id", "is not a deal of this account")
	}
	return "", apperr.Field("target_type", "must be contact or deal")
}

func targetName(tx *storage.Tx, a *Association) string {
	if a.TargetType == TargetDeal {
		if d, err := Deals.Get(tx, a.AccountID, a.TargetID); err == nil {
			return d.Title
		}
		return ""
	}
	if c, err := contacts.Contacts.Get(tx, a.AccountID, a.TargetID); err == nil {
		return c.Name
	}
	return ""
}

func associationView(a *Association, name string) AssociationView {
	return AssociationView{ID: a.ID, RecordID: a.RecordID, TargetType: a.TargetType, TargetID: a.TargetID, TargetName: name,
		Label: a.Label, AssociatedOn: a.AssociatedOn, CreatedAt: a.CreatedAt.Unix()}
}

func dropAssociation(tx *storage.Tx, a *Association, actor uint64) error {
	if err := Associations.Delete(tx, a.AccountID, a.ID); err != nil {
		return err
	}
	return emitObject(tx, EventObjectAssociationDeleted, Associations.Name(), a.AccountID, a.ID, a, actor)
}

// ListAssociations returns a record's associations the actor may see.
func (s *Service) ListAssociations(ctx context.Context, actor access.Actor, recordID uint64) (*AssociationList, error) {
	if err := actor.Require(ObjectsModule, access.View); err != nil {
		return nil, err
	}
	out := &AssociationList{Payload: []AssociationView{}}
	err := s.db.View(func(tx *storage.Tx) error {
		if !ObjectRecords.Exists(tx, actor.AccountID, recordID) {
			return apperr.NotFoundf("object_records %d not found", recordID)
		}
		return Associations.Each(tx, actor.AccountID, storage.Query{Index: "record", Prefix: storage.Uint(recordID)}, func(a *Association) bool {
			if name, err := visibleTarget(tx, actor, a.TargetType, a.TargetID); err == nil {
				out.Payload = append(out.Payload, associationView(a, name))
			}
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Associate links a record to a contact (needs contacts Manage) or a deal (crm Manage); a
// pair is linked at most once.
func (s *Service) Associate(ctx context.Context, actor access.Actor, recordID uint64, in AssociationInput) (*AssociationView, error) {
	if err := actor.Require(ObjectsModule, access.View); err != nil {
		return nil, err
	}
	in.TargetType = strings.TrimSpace(in.TargetType)
	in.Label = strings.TrimSpace(in.Label)
	in.AssociatedOn = strings.TrimSpace(in.AssociatedOn)
	var fe apperr.Fields
	if in.TargetType != TargetContact && in.TargetType != TargetDeal {
		fe.Add("target_type", "must be contact or deal")
	}
	if in.TargetID == 0 {
		fe.Add("target_id", "is required")
	}
	if utf8.RuneCountInString(in.Label) > 60 {
		fe.Add("label", "must have at most 60 characters")
	}
	if _, err := time.Parse(time.DateOnly, in.AssociatedOn); in.AssociatedOn != "" && err != nil {
		fe.Add("associated_on", "must be a date (YYYY-MM-DD)")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if err := actor.Require(targetModule(in.TargetType), access.Manage); err != nil {
		return nil, err
	}
	var out AssociationView
	err := s.db.Update(func(tx *storage.Tx) error {
		r, err := ObjectRecords.Get(tx, actor.AccountID, recordID)
		if err != nil {
			return err
		}
		name, err := visibleTarget(tx, actor, in.TargetType, in.TargetID)
		if err != nil {
			return err
		}
		a := &Association{AccountID: actor.AccountID, RecordID: r.ID, TypeID: r.TypeID, TargetType: in.TargetType, TargetID: in.TargetID,
			Label: in.Label, AssociatedOn: in.AssociatedOn, CreatedAt: time.Now().UTC()}
		if err := Associations.Put(tx, a); err != nil {
			if apperr.Is(err, apperr.Conflict) {
				return &apperr.Error{Kind: apperr.Conflict, Message: "already associated",
					Fields: map[string]string{"target_id": "is already associated with this record"}}
			}
			return err
		}
		out = associationView(a, name)
		return emitObject(tx, EventObjectAssociationCreated, Associations.Name(), a.AccountID, a.ID, a, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Dissociate removes an association (same permissions as creating it).
func (s *Service) Dissociate(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.Require(ObjectsModule, access.View); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		a, err := Associations.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if err := actor.Require(targetModule(a.TargetType), access.Manage); err != nil {
			return err
		}
		if _, err := visibleTarget(tx, actor, a.TargetType, a.TargetID); err != nil {
			return apperr.NotFoundf("object_associations %d not found", id)
		}
		return dropAssociation(tx, a, actor.UserID)
	})
}

// ---- panels ----

// ObjectGroupType names a type in a panel group.
type ObjectGroupType struct {
	ID           uint64 `json:"id"`
	Name         string `json:"name"`
	Icon         string `json:"icon"`
	PrimaryField string `json:"primary_field"`
}

// ObjectGroupRecord is one associated record in a panel group.
type ObjectGroupRecord struct {
	AssociationID uint64           `json:"association_id"`
	Label         string           `json:"label"`
	AssociatedOn  string           `json:"associated_on"`
	Record        ObjectRecordView `json:"record"`
}

// ObjectGroup is one type's records associated with a contact or deal.
type ObjectGroup struct {
	Type    ObjectGroupType     `json:"type"`
	Records []ObjectGroupRecord `json:"records"`
}

// ObjectGroups are the records of a contact's or deal's side panel, grouped by type (types by
// name).
type ObjectGroups struct {
	Payload []ObjectGroup `json:"payload"`
}

// AssociatedObjects returns the custom object records associated with a contact or a deal the
// actor may see, grouped by type.
func (s *Service) AssociatedObjects(ctx context.Context, actor access.Actor, targetType string, targetID uint64) (*ObjectGroups, error) {
	if err := actor.Require(ObjectsModule, access.View); err != nil {
		return nil, err
	}
	out := &ObjectGroups{Payload: []ObjectGroup{}}
	err := s.db.View(func(tx *storage.Tx) error {
		if _, err := visibleTarget(tx, actor, targetType, targetID); err != nil {
			if targetType == TargetDeal {
				return apperr.NotFoundf("deals %d not found", targetID)
			}
			return apperr.NotFoundf("contacts %d not found", targetID)
		}
		groups := map[uint64]*ObjectGroup{}
		types := map[uint64]*ObjectType{}
		var ierr error
		err := Associations.Each(tx, actor.AccountID, storage.Query{Index: "target", Prefix: storage.Key(storage.Str(targetType), storage.Uint(targetID))}, func(a *Association) bool {
			r, err := ObjectRecords.Get(tx, actor.AccountID, a.RecordID)
			if err != nil {
				ierr = err
				return false
			}
			g := groups[r.TypeID]
			if g == nil {
				t, err := ObjectTypes.Get(tx, actor.AccountID, r.TypeID)
				if err != nil {
					ierr = err
					return false
				}
				types[t.ID] = t
				g = &ObjectGroup{Type: ObjectGroupType{ID: t.ID, Name: t.Name, Icon: t.Icon, PrimaryField: t.PrimaryField}}
				groups[t.ID] = g
			}
			g.Records = append(g.Records, ObjectGroupRecord{AssociationID: a.ID, Label: a.Label, AssociatedOn: a.AssociatedOn,
				Record: objectRecordView(tx, types[r.TypeID], r)})
			return true
		})
		if err != nil {
			return err
		}
		if ierr != nil {
			return ierr
		}
		for _, g := range groups {
			out.Payload = append(out.Payload, *g)
		}
		sort.Slice(out.Payload, func(i, j int) bool {
			a, b := storage.Fold(out.Payload[i].Type.Name), storage.Fold(out.Payload[j].Type.Name)
			return a < b || (a == b && out.Payload[i].Type.ID < out.Payload[j].Type.ID)
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ---- contact links ----

// contactAssociations lists the associations of one contact in tx.
func contactAssociations(tx *storage.Tx, account, contact uint64) ([]Association, error) {
	page, err := Associations.Scan(tx, account, storage.Query{Index: "target", Prefix: storage.Key(storage.Str(TargetContact), storage.Uint(contact))})
	return page.Items, err
}

// mergeAssociations re-points the associations of contact from at contact into; where into
// already has the same record, the mergee's association is dropped (one per pair).
func (s *Service) mergeAssociations(tx *storage.Tx, account, from, into uint64, actor access.Actor) error {
	list, err := contactAssociations(tx, account, from)
	if err != nil {
		return err
	}
	for i := range list {
		a := &list[i]
		if err := dropAssociation(tx, a, actor.UserID); err != nil {
			return err
		}
		pair := storage.Key(storage.Uint(a.RecordID), storage.Str(TargetContact), storage.Uint(into))
		if _, err := Associations.GetBy(tx, account, "pair", pair); err == nil {
			continue
		} else if !apperr.Is(err, apperr.NotFound) {
			return err
		}
		a.TargetID = into
		if err := Associations.Put(tx, a); err != nil {
			return err
		}
		if err := emitObject(tx, EventObjectAssociationCreated, Associations.Name(), a.AccountID, a.ID, a, actor.UserID); err != nil {
			return err
		}
	}
	return nil
}

// deleteAssociations drops the associations of a deleted contact (the records stay).
func (s *Service) deleteAssociations(tx *storage.Tx, account, id uint64, actor access.Actor) error {
	list, err := contactAssociations(tx, account, id)
	if err != nil {
		return err
	}
	for i := range list {
		if err := dropAssociation(tx, &list[i], actor.UserID); err != nil {
			return err
		}
	}
	return nil
}

// deleteDealAssociations drops the associations of a deleted deal (the records stay).
func deleteDealAssociations(tx *storage.Tx, account, deal uint64, actor access.Actor) error {
	page, err := Associations.Scan(tx, account, storage.Query{Index: "target", Prefix: storage.Key(storage.Str(TargetDeal), storage.Uint(deal))})
	if err != nil {
		return err
	}
	for i := range page.Items {
		if err := dropAssociation(tx, &page.Items[i], actor.UserID); err != nil {
			return err
		}
	}
	return nil
}

// objectTypeCriterion answers the segment condition "associated with custom object type X":
// equal_to finds contacts associated with a record of any of the type ids in values,
// not_equal_to the contacts associated with none of them.
func (s *Service) objectTypeCriterion(tx *storage.Tx, actor access.Actor, operator string, values []any) (map[uint64]bool, error) {
	account := actor.AccountID
	if operator != "equal_to" && operator != "not_equal_to" {
		return nil, apperr.Field("filter_operator", "must be equal_to or not_equal_to for custom_object_type")
	}
	linked := map[uint64]bool{}
	for _, v := range values {
		var id uint64
		switch n := v.(type) {
		case float64:
			id = uint64(n)
		case int:
			id = uint64(n)
		case uint64:
			id = n
		case string:
			p, err := strconv.ParseUint(strings.TrimSpace(n), 10, 64)
			if err != nil {
				return nil, apperr.Field("values", "must be custom object type ids")
			}
			id = p
		default:
			return nil, apperr.Field("values", "must be custom object type ids")
		}
		prefix := storage.Key(storage.Uint(id), storage.Str(TargetContact))
		err := Associations.Each(tx, account, storage.Query{Index: "type", Prefix: prefix}, func(a *Association) bool {
			linked[a.TargetID] = true
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	if operator == "equal_to" {
		return linked, nil
	}
	out := map[uint64]bool{}
	ids, err := contacts.Contacts.IDs(tx, account, storage.Query{})
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if !linked[id] {
			out[id] = true
		}
	}
	return out, nil
}
