package contacts

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/storage"
)

// Limits of tags (Chatwoot's contact labels): short words, not a second notes field.
const (
	MaxTagLength      = 50
	MaxTagsPerContact = 50
)

// NormalizeTags trims tags, drops blanks and keeps the first spelling of tags that differ only
// in case ("VIP" and "vip" are one tag, so segments and counts do not split). problem is ""
// or a message for the "tags" field; the tags returned are usable either way.
func NormalizeTags(in []string) (tags []string, problem string) {
	seen := map[string]bool{}
	for _, t := range in {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if utf8.RuneCountInString(t) > MaxTagLength {
			problem = fmt.Sprintf("a tag has at most %d characters", MaxTagLength)
			continue
		}
		k := strings.ToLower(t)
		if seen[k] {
			continue
		}
		seen[k] = true
		tags = append(tags, t)
	}
	if len(tags) > MaxTagsPerContact {
		problem = fmt.Sprintf("a contact has at most %d tags", MaxTagsPerContact)
	}
	return tags, problem
}

// ContactTags returns a contact's tags.
func (s *Service) ContactTags(ctx context.Context, actor access.Actor, id uint64) ([]string, error) {
	v, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return v.Tags, nil
}

// SetTags replaces a contact's tags and returns them as stored.
func (s *Service) SetTags(ctx context.Context, actor access.Actor, id uint64, tags []string) ([]string, error) {
	if tags == nil {
		tags = []string{}
	}
	v, err := s.Update(ctx, actor, id, ContactInput{Tags: &tags})
	if err != nil {
		return nil, err
	}
	return v.Tags, nil
}

// TagCount is a tag in use and how many contacts carry it.
type TagCount struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Tags lists the account's tags with the number of contacts (visible to the actor) carrying
// each, by name. With everything visible it reads only the "tag" index keys' records; under
// owner privacy each contact is checked.
func (s *Service) Tags(ctx context.Context, actor access.Actor) ([]TagCount, error) {
	if err := actor.Require(Module, access.View); err != nil {
		return nil, err
	}
	counts := map[string]*TagCount{}
	err := s.db.View(func(tx *storage.Tx) error {
		scope, err := ScopeOf(tx, actor)
		if err != nil {
			return err
		}
		// The tag index holds folded names only, so the records give the spelling; walking the
		// index visits just the tagged contacts.
		seen := map[uint64]bool{}
		return Contacts.Each(tx, actor.AccountID, storage.Query{Index: "tag"}, func(c *Contact) bool {
			if seen[c.ID] || !scope.Sees(c.OwnerID) {
				return true
			}
			seen[c.ID] = true
			for _, t := range c.Tags {
				k := strings.ToLower(t)
				if counts[k] == nil {
					counts[k] = &TagCount{Name: t}
				}
				counts[k].Count++
			}
			return true
		})
	})
	out := make([]TagCount, 0, len(counts))
	for _, c := range counts {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, err
}

// unionTags is a's tags followed by b's that a lacks (case-insensitively), cut at the limit.
func unionTags(a, b []string) []string {
	tags, _ := NormalizeTags(append(append([]string{}, a...), b...))
	if len(tags) > MaxTagsPerContact {
		tags = tags[:MaxTagsPerContact]
	}
	return tags
}
