package contacts

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// MaxFilterConditions bounds a filter (and so a segment).
const MaxFilterConditions = 20

// FilterCondition is one condition of a contact filter in Chatwoot's shape. QueryOperator
// ("and" or "or") joins it to the next condition; the last one's is ignored.
type FilterCondition struct {
	AttributeKey   string `json:"attribute_key"`
	FilterOperator string `json:"filter_operator"`
	Values         []any  `json:"values" required:"false"`
	QueryOperator  string `json:"query_operator,omitempty"`
	// AttributeModel is "standard" or "customer"/"custom_attribute" (read the key as a custom
	// attribute even when nothing else would); optional.
	AttributeModel string `json:"attribute_model,omitempty"`
}

// Filter operators (Chatwoot's names).
const (
	OpEqual       = "equal_to"
	OpNotEqual    = "not_equal_to"
	OpContains    = "contains"
	OpNotContains = "does_not_contain"
	OpPresent     = "is_present"
	OpNotPresent  = "is_not_present"
	OpGreater     = "is_greater_than"
	OpLess        = "is_less_than"
	OpDaysBefore  = "days_before"
)

// kinds of value a filter compares.
type kind int

const (
	kText kind = iota
	kNumber
	kDate
	kBool
	kID
	kTags
)

// operators each kind accepts.
var kindOps = map[kind][]string{
	kText:   {OpEqual, OpNotEqual, OpContains, OpNotContains, OpPresent, OpNotPresent},
	kNumber: {OpEqual, OpNotEqual, OpGreater, OpLess, OpPresent, OpNotPresent},
	kDate:   {OpEqual, OpNotEqual, OpGreater, OpLess, OpDaysBefore, OpPresent, OpNotPresent},
	kBool:   {OpEqual, OpNotEqual},
	kID:     {OpEqual, OpNotEqual, OpPresent, OpNotPresent},
	kTags:   {OpEqual, OpNotEqual, OpContains, OpNotContains, OpPresent, OpNotPresent},
}

// standardFields read a contact's standard fields for filtering, as text, number, time, bool
// or tag list (ok false: no value).
var standardFields = map[string]struct {
	kind kind
	get  func(c *Contact) any
}{
	"name":             {kText, func(c *Contact) any { return c.Name }},
	"email":            {kText, func(c *Contact) any { return c.Email }},
	"phone_number":     {kText, func(c *Contact) any { return c.Phone }},
	"identifier":       {kText, func(c *Contact) any { return c.Identifier }},
	"city":             {kText, func(c *Contact) any { return c.City }},
	"country":          {kText, func(c *Contact) any { return c.Country }},
	"company_name":     {kText, func(c *Contact) any { return c.Company }},
	"company_id":       {kID, func(c *Contact) any { return c.CompanyID }},
	"owner_id":         {kID, func(c *Contact) any { return c.OwnerID }},
	"blocked":          {kBool, func(c *Contact) any { return c.Blocked }},
	"created_at":       {kDate, func(c *Contact) any { return c.CreatedAt }},
	"last_activity_at": {kDate, func(c *Contact) any { return c.LastActivityAt }},
	"tags":             {kTags, func(c *Contact) any { return c.Tags }},
	"labels":           {kTags, func(c *Contact) any { return c.Tags }},
}

// compileFilter checks every condition up front (errors name "payload[i].<field>") and
// returns a predicate for contacts. Conditions owned by other areas (AddCriterion) are asked
// once here, so the predicate itself does no work but comparisons. Visibility under owner
// privacy is part of the predicate. Evaluation is left to right: each condition's
// query_operator joins it to the next.
func (s *Service) compileFilter(tx *storage.Tx, actor access.Actor, conds []FilterCondition) (func(*Contact) bool, error) {
	var fe apperr.Fields
	switch {
	case len(conds) == 0:
		return nil, apperr.Field("payload", "needs at least one condition")
	case len(conds) > MaxFilterConditions:
		return nil, apperr.Field("payload", fmt.Sprintf("must have at most %d conditions", MaxFilterConditions))
	}
	acct, err := accounts.Accounts.Get(tx, 0, actor.AccountID)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(acct.TimeZone)
	if err != nil || acct.TimeZone == "" {
		loc = time.UTC
	}
	defs, err := definitionsOf(tx, actor.AccountID, ModelContact)
	if err != nil {
		return nil, err
	}
	scope, err := ScopeOf(tx, actor)
	if err != nil {
		return nil, err
	}
	preds := make([]func(*Contact) bool, len(conds))
	joins := make([]string, len(conds))
	for i, c := range conds {
		at := func(f string) string { return fmt.Sprintf("payload[%d].%s", i, f) }
		key := strings.TrimSpace(c.AttributeKey)
		op := strings.TrimSpace(c.FilterOperator)
		if i < len(conds)-1 {
			switch j := strings.ToLower(strings.TrimSpace(c.QueryOperator)); j {
			case "", "and":
				joins[i] = "and"
			case "or":
				joins[i] = "or"
			default:
				fe.Add(at("query_operator"), "must be and or or")
			}
		}
		if key == "" {
			fe.Add(at("attribute_key"), "is required")
			continue
		}
		custom := c.AttributeModel == "customer" || c.AttributeModel == "custom_attribute"
		if c.AttributeModel != "" && c.AttributeModel != "standard" && !custom {
			fe.Add(at("attribute_model"), "must be standard or custom_attribute")
			continue
		}
		if crit, ok := s.criteria[key]; ok && !custom {
			ids, err := crit(tx, actor, op, c.Values)
			if err != nil {
				if e, ok := apperr.As(err); ok && e.Kind == apperr.Invalid {
					fe.Add(at("values"), e.Error())
					continue
				}
				return nil, err
			}
			preds[i] = func(ct *Contact) bool { return ids[ct.ID] }
			continue
		}
		var k kind
		var get func(*Contact) any
		if f, ok := standardFields[key]; ok && !custom {
			k, get = f.kind, f.get
		} else {
			k = kText
			if d, ok := defs[key]; ok {
				k = kindOfType(d.DisplayType)
			}
			get = func(ct *Contact) any { return ct.CustomAttributes[key] }
		}
		if !contains(kindOps[k], op) {
			fe.Add(at("filter_operator"), "must be one of "+strings.Join(kindOps[k], ", "))
			continue
		}
		p, problem := condition(k, op, c.Values, get, loc)
		if problem != "" {
			fe.Add(at("values"), problem)
			continue
		}
		preds[i] = p
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	return func(ct *Contact) bool {
		if !scope.Sees(ct.OwnerID) {
			return false
		}
		ok := preds[0](ct)
		for i := 1; i < len(preds); i++ {
			if joins[i-1] == "or" {
				ok = ok || preds[i](ct)
			} else {
				ok = ok && preds[i](ct)
			}
		}
		return ok
	}, nil
}

func kindOfType(t string) kind {
	switch t {
	case TypeNumber, TypeCurrency, TypePercent:
		return kNumber
	case TypeDate:
		return kDate
	case TypeCheckbox:
		return kBool
	}
	return kText
}

// condition builds the predicate of one condition, or says what is wrong with its values.
func condition(k kind, op string, values []any, get func(*Contact) any, loc *time.Location) (func(*Contact) bool, string) {
	if op == OpPresent || op == OpNotPresent {
		want := op == OpPresent
		return func(c *Contact) bool { return present(get(c)) == want }, ""
	}
	if len(values) == 0 {
		return nil, "needs a value"
	}
	negate := op == OpNotEqual || op == OpNotContains
	switch k {
	case kText, kTags:
		texts := make([]string, 0, len(values))
		for _, v := range values {
			s, ok := scalarText(v)
			if !ok {
				return nil, "must be text"
			}
			texts = append(texts, strings.ToLower(strings.TrimSpace(s)))
		}
		sub := op == OpContains || op == OpNotContains
		match := func(have string) bool {
			have = strings.ToLower(have)
			for _, t := range texts {
				if sub && strings.Contains(have, t) || !sub && have == t {
					return true
				}
			}
			return false
		}
		return func(c *Contact) bool {
			v := get(c)
			hit := false
			if tags, ok := v.([]string); ok {
				for _, t := range tags {
					hit = hit || match(t)
				}
			} else if s, ok := scalarText(v); ok && v != nil {
				hit = match(s)
			}
			return hit != negate
		}, ""
	case kNumber:
		nums := make([]float64, 0, len(values))
		for _, v := range values {
			f, ok := toNumber(v)
			if !ok {
				return nil, "must be a number"
			}
			nums = append(nums, f)
		}
		return func(c *Contact) bool {
			f, ok := toNumber(get(c))
			if !ok {
				return negate
			}
			switch op {
			case OpGreater:
				return f > nums[0]
			case OpLess:
				return f < nums[0]
			}
			hit := false
			for _, n := range nums {
				hit = hit || f == n
			}
			return hit != negate
		}, ""
	case kBool:
		want, ok := toBool(values[0])
		if !ok {
			return nil, "must be true or false"
		}
		return func(c *Contact) bool {
			b, ok := toBool(get(c))
			return ok && b == want != negate || !ok && negate
		}, ""
	case kID:
		ids := map[uint64]bool{}
		for _, v := range values {
			f, ok := toNumber(v)
			if !ok || f < 0 {
				return nil, "must be an id"
			}
			ids[uint64(f)] = true
		}
		return func(c *Contact) bool {
			id, _ := get(c).(uint64)
			return ids[id] != negate
		}, ""
	case kDate:
		if op == OpDaysBefore {
			f, ok := toNumber(values[0])
			if !ok || f < 0 || f != float64(int(f)) {
				return nil, "must be a whole number of days"
			}
			cut := dayOf(time.Now().In(loc).AddDate(0, 0, -int(f)), loc)
			return func(c *Contact) bool {
				d, ok := dayValue(get(c), loc)
				return ok && d < cut
			}, ""
		}
		days := make([]string, 0, len(values))
		for _, v := range values {
			s, _ := v.(string)
			d, ok := parseDay(s)
			if !ok {
				return nil, "must be a date as YYYY-MM-DD"
			}
			days = append(days, d)
		}
		return func(c *Contact) bool {
			d, ok := dayValue(get(c), loc)
			if !ok {
				return negate
			}
			switch op {
			case OpGreater:
				return d > days[0]
			case OpLess:
				return d < days[0]
			}
			hit := false
			for _, x := range days {
				hit = hit || d == x
			}
			return hit != negate
		}, ""
	}
	return nil, "cannot be compared"
}

// present reports whether a field holds something (a zero time, id or empty text does not).
func present(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return strings.TrimSpace(x) != ""
	case []string:
		return len(x) > 0
	case uint64:
		return x != 0
	case time.Time:
		return !x.IsZero()
	}
	return true
}

// dayValue is the day (YYYY-MM-DD, in the account's zone) of a time or a stored date value.
func dayValue(v any, loc *time.Location) (string, bool) {
	switch x := v.(type) {
	case time.Time:
		if x.IsZero() {
			return "", false
		}
		return dayOf(x, loc), true
	case string:
		return parseDay(x)
	}
	return "", false
}

func dayOf(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }

// Filter returns one page (1-based, PerPage) of the contacts matching conds, sorted as List
// sorts, with the count of all matches.
func (s *Service) Filter(ctx context.Context, actor access.Actor, conds []FilterCondition, page int, sort string) (*ContactList, error) {
	return s.page(actor, page, sort, func(tx *storage.Tx) (func(*Contact) bool, error) {
		return s.compileFilter(tx, actor, conds)
	})
}

// ValidateFilter checks a filter without running it (segments are checked when saved).
func (s *Service) ValidateFilter(tx *storage.Tx, actor access.Actor, conds []FilterCondition) error {
	_, err := s.compileFilter(tx, actor, conds)
	return err
}
