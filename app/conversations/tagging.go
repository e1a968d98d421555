package conversations

import (
	"context"
	"slices"
	"strings"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/accounts"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// Putting labels on a conversation (the account's label list itself is managed in labels.go).

// checkLabels normalises titles (trimmed, lower-case, once each) and requires each to be a
// label of the account.
func checkLabels(tx *storage.Tx, account uint64, titles []string) ([]string, error) {
	out := make([]string, 0, len(titles))
	var unknown []string
	for _, t := range titles {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || slices.Contains(out, t) {
			continue
		}
		if _, err := Labels.GetBy(tx, account, "title", storage.Str(t)); err != nil {
			unknown = append(unknown, t)
			continue
		}
		out = append(out, t)
	}
	if len(unknown) > 0 {
		return nil, apperr.Field("labels", "has labels that do not exist: "+strings.Join(unknown, ", "))
	}
	return out, nil
}

// AddLabels adds labels to conversation number id and returns its labels.
func (s *Service) AddLabels(ctx context.Context, actor access.Actor, id uint64, labels []string) ([]string, error) {
	return s.changeLabels(actor, id, func(cur, given []string) []string {
		out := slices.Clone(cur)
		for _, l := range given {
			if !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
		return out
	}, labels)
}

// RemoveLabels removes labels from conversation number id and returns its labels.
func (s *Service) RemoveLabels(ctx context.Context, actor access.Actor, id uint64, labels []string) ([]string, error) {
	norm := make([]string, 0, len(labels))
	for _, l := range labels {
		norm = append(norm, strings.ToLower(strings.TrimSpace(l)))
	}
	return s.changeLabels(actor, id, func(cur, _ []string) []string {
		return slices.DeleteFunc(slices.Clone(cur), func(l string) bool { return slices.Contains(norm, l) })
	}, nil)
}

// SetLabels replaces conversation number id's labels (Chatwoot's POST …/labels).
func (s *Service) SetLabels(ctx context.Context, actor access.Actor, id uint64, labels []string) ([]string, error) {
	return s.changeLabels(actor, id, func(_, given []string) []string { return given }, labels)
}

// LabelsOf returns conversation number id's labels.
func (s *Service) LabelsOf(ctx context.Context, actor access.Actor, id uint64) ([]string, error) {
	c, err := s.Visible(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if c.Labels == nil {
		return []string{}, nil
	}
	return c.Labels, nil
}

// changeLabels validates the given labels, computes the new set with next and records what was
// added and removed as activity lines.
func (s *Service) changeLabels(actor access.Actor, id uint64, next func(cur, given []string) []string, given []string) ([]string, error) {
	c, err := s.update(actor, id, func(tx *storage.Tx, acct *accounts.Account, c *Conversation) error {
		valid, err := checkLabels(tx, acct.ID, given)
		if err != nil {
			return err
		}
		want := next(c.Labels, valid)
		var added, removed []string
		for _, l := range want {
			if !slices.Contains(c.Labels, l) {
				added = append(added, l)
			}
		}
		for _, l := range c.Labels {
			if !slices.Contains(want, l) {
				removed = append(removed, l)
			}
		}
		if len(added) == 0 && len(removed) == 0 {
			return nil
		}
		c.Labels = want
		by := actorName(tx, actor)
		if len(added) > 0 {
			if err := s.addActivity(tx, c, labelsLine(acct.Language, true, added, by), actor.UserID); err != nil {
				return err
			}
		}
		if len(removed) > 0 {
			if err := s.addActivity(tx, c, labelsLine(acct.Language, false, removed, by), actor.UserID); err != nil {
				return err
			}
		}
		return emit(tx, c, EventConversationUpdated, actor.UserID, EventData{Changed: []string{"labels"}})
	})
	if err != nil {
		return nil, err
	}
	if c.Labels == nil {
		return []string{}, nil
	}
	return c.Labels, nil
}
