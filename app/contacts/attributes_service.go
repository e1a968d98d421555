package contacts

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// Event types of attribute definitions.
const (
	EventAttributeCreated = "custom_attribute_definition_created"
	EventAttributeUpdated = "custom_attribute_definition_updated"
	EventAttributeDeleted = "custom_attribute_definition_deleted"
)

// Limits of a definition.
const (
	maxListValues = 100
	maxDefName    = 100
	maxDefText    = 255
)

// reservedKeys are the standard fields of each model: a custom attribute with one of these
// keys would shadow the real field in filters, imports and automation.
var reservedKeys = map[string][]string{
	ModelContact: {"id", "name", "email", "phone_number", "phone", "identifier", "city", "country", "company",
		"company_name", "company_id", "blocked", "owner_id", "tags", "labels", "avatar", "thumbnail", "created_at",
		"updated_at", "last_activity_at", "custom_attributes", "additional_attributes"},
	ModelConversation: {"id", "display_id", "status", "priority", "assignee_id", "team_id", "inbox_id", "labels",
		"contact_id", "created_at", "updated_at", "last_activity_at", "custom_attributes", "additional_attributes"},
	ModelCompany: {"id", "name", "domain", "description", "contacts_count", "created_at"},
	ModelDeal: {"id", "title", "value", "value_cents", "currency", "stage_id", "pipeline_id", "owner_id",
		"contact_id", "company_id", "priority", "status", "expected_close_on", "created_at"},
	ModelTask: {"id", "title", "description", "status", "priority", "list_id", "parent_id", "assignee_ids",
		"due_at", "start_at", "labels", "contact_id", "conversation_id", "deal_id", "company_id", "created_at",
		"updated_at", "custom_attributes"},
}

// modelNouns name each model in messages ("already exists for contacts").
var modelNouns = map[string]string{
	ModelContact: "contacts", ModelConversation: "conversations", ModelCompany: "companies", ModelDeal: "deals",
	ModelTask: "tasks",
}

var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

var attributeTypes = []string{TypeText, TypeNumber, TypeCurrency, TypePercent, TypeLink, TypeDate, TypeList, TypeCheckbox}

// ParseModel reads an attribute model as Chatwoot clients send it: the name, or 0
// (conversation) and 1 (contact) from its older enum. ok is false for anything else.
func ParseModel(s string) (string, bool) {
	switch strings.TrimSpace(s) {
	case "0", ModelConversation:
		return ModelConversation, true
	case "1", ModelContact:
		return ModelContact, true
	case ModelCompany:
		return ModelCompany, true
	case ModelDeal:
		return ModelDeal, true
	case ModelTask:
		return ModelTask, true
	}
	return "", false
}

// AttributeDefinitionView is a definition as the API shows it (times in unix seconds).
type AttributeDefinitionView struct {
	ID           uint64   `json:"id"`
	DisplayName  string   `json:"attribute_display_name"`
	DisplayType  string   `json:"attribute_display_type"`
	Description  string   `json:"attribute_description"`
	Key          string   `json:"attribute_key"`
	Model        string   `json:"attribute_model"`
	Values       []string `json:"attribute_values"`
	RegexPattern string   `json:"regex_pattern"`
	RegexCue     string   `json:"regex_cue"`
	CreatedAt    int64    `json:"created_at"`
	UpdatedAt    int64    `json:"updated_at"`
}

func definitionView(d *AttributeDefinition) AttributeDefinitionView {
	v := AttributeDefinitionView{ID: d.ID, DisplayName: d.DisplayName, DisplayType: d.DisplayType, Description: d.Description,
		Key: d.Key, Model: d.Model, Values: d.Values, RegexPattern: d.RegexPattern, RegexCue: d.RegexCue,
		CreatedAt: d.CreatedAt.Unix(), UpdatedAt: d.UpdatedAt.Unix()}
	if v.Values == nil {
		v.Values = []string{}
	}
	return v
}

// AttributeDefinitionInput is the create and edit form (Chatwoot's names). On edit, nil leaves
// a field alone; model and key cannot change.
type AttributeDefinitionInput struct {
	DisplayName  *string   `json:"attribute_display_name,omitempty"`
	DisplayType  *string   `json:"attribute_display_type,omitempty"`
	Description  *string   `json:"attribute_description,omitempty"`
	Key          *string   `json:"attribute_key,omitempty"`
	Model        *string   `json:"attribute_model,omitempty" doc:"contact_attribute, conversation_attribute, company_attribute, deal_attribute, task_attribute (or Chatwoot's 0/1)"`
	Values       *[]string `json:"attribute_values,omitempty"`
	RegexPattern *string   `json:"regex_pattern,omitempty"`
	RegexCue     *string   `json:"regex_cue,omitempty"`
}

// apply writes the editable fields onto d and checks the whole definition.
func (in AttributeDefinitionInput) apply(d *AttributeDefinition, fe *apperr.Fields) {
	text := func(field string, v *string, dst *string, limit int) {
		if v == nil {
			return
		}
		t := strings.TrimSpace(*v)
		if utf8.RuneCountInString(t) > limit {
			fe.Add(field, fmt.Sprintf("must be at most %d characters", limit))
		}
		*dst = t
	}
	text("attribute_display_name", in.DisplayName, &d.DisplayName, maxDefName)
	text("attribute_description", in.Description, &d.Description, maxDefText)
	text("regex_pattern", in.RegexPattern, &d.RegexPattern, maxDefText)
	text("regex_cue", in.RegexCue, &d.RegexCue, maxDefText)
	if in.DisplayType != nil {
		d.DisplayType = strings.TrimSpace(*in.DisplayType)
	}
	if in.Values != nil {
		d.Values = nil
		seen := map[string]bool{}
		for _, v := range *in.Values {
			v = strings.TrimSpace(v)
			if v == "" || seen[strings.ToLower(v)] {
				continue
			}
			seen[strings.ToLower(v)] = true
			d.Values = append(d.Values, v)
		}
	}
	if d.DisplayName == "" {
		fe.Add("attribute_display_name", "is required")
	}
	switch {
	case !contains(attributeTypes, d.DisplayType):
		fe.Add("attribute_display_type", "must be one of "+strings.Join(attributeTypes, ", "))
	case d.DisplayType == TypeList && (len(d.Values) == 0 || len(d.Values) > maxListValues):
		fe.Add("attribute_values", fmt.Sprintf("a list needs 1 to %d distinct values", maxListValues))
	}
	if d.DisplayType != TypeList {
		d.Values = nil
	}
	if d.RegexPattern != "" {
		if _, err := regexp.Compile(d.RegexPattern); err != nil {
			fe.Add("regex_pattern", "is not a valid regular expression")
		} else if d.DisplayType != TypeText && d.DisplayType != TypeLink && d.DisplayType != TypeNumber {
			fe.Add("regex_pattern", "applies only to text, link and number attributes")
		}
	}
	if d.RegexPattern == "" {
		d.RegexCue = ""
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ListAttributeDefinitions returns the account's definitions of model ("" for all), in the
// order they were created.
func (s *Service) ListAttributeDefinitions(ctx context.Context, actor access.Actor, model string) ([]AttributeDefinitionView, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	if model != "" {
		m, ok := ParseModel(model)
		if !ok {
			return nil, apperr.Field("attribute_model", "must be contact_attribute, conversation_attribute, company_attribute or deal_attribute")
		}
		model = m
	}
	out := []AttributeDefinitionView{}
	err := s.db.View(func(tx *storage.Tx) error {
		return AttributeDefinitions.Each(tx, actor.AccountID, storage.Query{}, func(d *AttributeDefinition) bool {
			if model == "" || d.Model == model {
				out = append(out, definitionView(d))
			}
			return true
		})
	})
	return out, err
}

// GetAttributeDefinition returns one definition.
func (s *Service) GetAttributeDefinition(ctx context.Context, actor access.Actor, id uint64) (*AttributeDefinitionView, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	var out AttributeDefinitionView
	err := s.db.View(func(tx *storage.Tx) error {
		d, err := AttributeDefinitions.Get(tx, actor.AccountID, id)
		if err == nil {
			out = definitionView(d)
		}
		return err
	})
	return &out, err
}

// CreateAttributeDefinition adds a definition (administrators only). Without a key one is made
// from the display name; keys are unique per model and never a standard field's name.
func (s *Service) CreateAttributeDefinition(ctx context.Context, actor access.Actor, in AttributeDefinitionInput) (*AttributeDefinitionView, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	d := &AttributeDefinition{AccountID: actor.AccountID, CreatedAt: now, UpdatedAt: now}
	var fe apperr.Fields
	if in.Model == nil {
		fe.Add("attribute_model", "is required")
	} else if m, ok := ParseModel(*in.Model); ok {
		d.Model = m
	} else {
		fe.Add("attribute_model", "must be contact_attribute, conversation_attribute, company_attribute or deal_attribute")
	}
	in.apply(d, &fe)
	if in.Key != nil && strings.TrimSpace(*in.Key) != "" {
		d.Key = strings.TrimSpace(*in.Key)
		if !keyPattern.MatchString(d.Key) {
			fe.Add("attribute_key", "must start with a letter and hold only a-z, 0-9 and _ (at most 64)")
		}
	} else if d.DisplayName != "" {
		d.Key = KeyFromName(d.DisplayName)
		if d.Key == "" {
			fe.Add("attribute_display_name", "needs at least one letter or digit to make a key")
		}
	}
	if d.Key != "" && d.Model != "" && contains(reservedKeys[d.Model], d.Key) {
		fe.Add("attribute_key", fmt.Sprintf("%q is a standard field of %s; choose another name", d.Key, modelNouns[d.Model]))
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var out AttributeDefinitionView
	err := s.db.Update(func(tx *storage.Tx) error {
		if err := AttributeDefinitions.Put(tx, d); err != nil {
			if apperr.Is(err, apperr.Conflict) {
				return &apperr.Error{Kind: apperr.Conflict, Message: "attribute key taken",
					Fields: map[string]string{"attribute_key": fmt.Sprintf("%q already exists for %s", d.Key, modelNouns[d.Model])}}
			}
			return err
		}
		out = definitionView(d)
		return emitDefinition(tx, EventAttributeCreated, d, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateAttributeDefinition edits a definition (administrators only). The type may change
// (stored values stay as they are, as in Chatwoot); model and key may not.
func (s *Service) UpdateAttributeDefinition(ctx context.Context, actor access.Actor, id uint64, in AttributeDefinitionInput) (*AttributeDefinitionView, error) {
	if err := actor.RequireAdmin(); err != nil {
		return nil, err
	}
	var out AttributeDefinitionView
	err := s.db.Update(func(tx *storage.Tx) error {
		d, err := AttributeDefinitions.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		var fe apperr.Fields
		if in.Model != nil {
			if m, _ := ParseModel(*in.Model); m != d.Model {
				fe.Add("attribute_model", "cannot change; create a new attribute instead")
			}
		}
		if in.Key != nil && strings.TrimSpace(*in.Key) != d.Key {
			fe.Add("attribute_key", "cannot change: stored values, segments and imports refer to it")
		}
		in.apply(d, &fe)
		if err := fe.Err(); err != nil {
			return err
		}
		d.UpdatedAt = time.Now().UTC()
		if err := AttributeDefinitions.Put(tx, d); err != nil {
			return err
		}
		out = definitionView(d)
		return emitDefinition(tx, EventAttributeUpdated, d, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteAttributeDefinition removes a definition (administrators only). Values stored under
// its key stay on the records, as Chatwoot leaves them: re-creating the attribute shows them.
func (s *Service) DeleteAttributeDefinition(ctx context.Context, actor access.Actor, id uint64) error {
	if err := actor.RequireAdmin(); err != nil {
		return err
	}
	return s.db.Update(func(tx *storage.Tx) error {
		d, err := AttributeDefinitions.Get(tx, actor.AccountID, id)
		if err != nil {
			return err
		}
		if err := AttributeDefinitions.Delete(tx, actor.AccountID, id); err != nil {
			return err
		}
		return emitDefinition(tx, EventAttributeDeleted, d, actor.UserID)
	})
}

func emitDefinition(tx *storage.Tx, typ string, d *AttributeDefinition, actor uint64) error {
	return tx.EmitData(storage.Event{Account: d.AccountID, Type: typ, Entity: AttributeDefinitions.Name(), ID: d.ID, Actor: actor}, definitionView(d))
}
