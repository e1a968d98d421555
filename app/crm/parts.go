package crm

import (
	"context"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// Limits of a deal's parts.
const (
	MaxNoteLen       = 10000
	MaxChecklistLen  = 500
	MaxChecklist     = 100
	MaxAttachment    = 25 << 20
	maxFileNameRunes = 255
)

// DealNoteView is a note as the API shows it.
type DealNoteView struct {
	ID        uint64   `json:"id"`
	Content   string   `json:"content"`
	User      *UserRef `json:"user"`
	CreatedAt int64    `json:"created_at"`
	UpdatedAt int64    `json:"updated_at"`
}

// DealNoteInput is the note form.
type DealNoteInput struct {
	Content string `json:"content"`
}

func checkNote(content string) (string, error) {
	c := strings.TrimSpace(content)
	if c == "" || len([]rune(c)) > MaxNoteLen {
		return "", apperr.Field("content", fmt.Sprintf("must be 1 to %d characters", MaxNoteLen))
	}
	return c, nil
}

// Notes lists a deal's notes, newest first.
func (s *Service) Notes(ctx context.Context, actor access.Actor, dealID uint64) ([]DealNoteView, error) {
	out := []DealNoteView{}
	err := s.readDeal(actor, dealID, func(tx *storage.Tx, d *Deal) error {
		v, err := newViewer(tx, d.AccountID)
		if err != nil {
			return err
		}
		return Notes.Each(tx, d.AccountID, storage.Query{Index: "deal", Prefix: storage.Uint(d.ID), Reverse: true}, func(n *Note) bool {
			out = append(out, DealNoteView{ID: n.ID, Content: n.Content, User: v.user(n.UserID), CreatedAt: n.CreatedAt.Unix(), UpdatedAt: n.UpdatedAt.Unix()})
			return true
		})
	})
	return out, err
}

func noteView(tx *storage.Tx, n *Note) DealNoteView {
	v, _ := newViewer(tx, n.AccountID)
	var u *UserRef
	if v != nil {
		u = v.user(n.UserID)
	}
	return DealNoteView{ID: n.ID, Content: n.Content, User: u, CreatedAt: n.CreatedAt.Unix(), UpdatedAt: n.UpdatedAt.Unix()}
}

// AddNote writes a note on a deal.
func (s *Service) AddNote(ctx context.Context, actor access.Actor, dealID uint64, in DealNoteInput) (*DealNoteView, error) {
	content, err := checkNote(in.Content)
	if err != nil {
		return nil, err
	}
	var out DealNoteView
	err = s.updateDealPart(actor, dealID, func(tx *storage.Tx, d *Deal) error {
		now := time.Now().UTC()
		n := &Note{AccountID: d.AccountID, DealID: d.ID, UserID: actor.UserID, Content: content, CreatedAt: now, UpdatedAt: now}
		if err := Notes.Put(tx, n); err != nil {
			return err
		}
		out = noteView(tx, n)
		d.Counters.Notes++
		return touch(tx, d, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ownNote loads a note of the deal that the actor wrote (administrators may touch any).
func ownNote(tx *storage.Tx, actor access.Actor, d *Deal, id uint64) (*Note, error) {
	n, err := Notes.Get(tx, d.AccountID, id)
	if err != nil || n.DealID != d.ID {
		return nil, apperr.NotFoundf("note %d not found", id)
	}
	if n.UserID != actor.UserID && !actor.IsAdmin() {
		return nil, apperr.Forbiddenf("only the note's author or an administrator can change it")
	}
	return n, nil
}

// UpdateNote changes a note's text (its author or an administrator).
func (s *Service) UpdateNote(ctx context.Context, actor access.Actor, dealID, noteID uint64, in DealNoteInput) (*DealNoteView, error) {
	content, err := checkNote(in.Content)
	if err != nil {
		return nil, err
	}
	var out DealNoteView
	err = s.updateDealPart(actor, dealID, func(tx *storage.Tx, d *Deal) error {
		n, err := ownNote(tx, actor, d, noteID)
		if err != nil {
			return err
		}
		n.Content, n.UpdatedAt = content, time.Now().UTC()
		if err := Notes.Put(tx, n); err != nil {
			return err
		}
		out = noteView(tx, n)
		return touch(tx, d, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteNote removes a note (its author or an administrator).
func (s *Service) DeleteNote(ctx context.Context, actor access.Actor, dealID, noteID uint64) error {
	return s.updateDealPart(actor, dealID, func(tx *storage.Tx, d *Deal) error {
		n, err := ownNote(tx, actor, d, noteID)
		if err != nil {
			return err
		}
		if err := Notes.Delete(tx, d.AccountID, n.ID); err != nil {
			return err
		}
		d.Counters.Notes = max(0, d.Counters.Notes-1)
		return touch(tx, d, actor.UserID)
	})
}

// DealAttachmentView is a deal's file as the API shows it; url is the (authenticated) download path.
type DealAttachmentView struct {
	ID          uint64   `json:"id"`
	FileName    string   `json:"file_name"`
	ContentType string   `json:"content_type"`
	Size        int64    `json:"size"`
	URL         string   `json:"url"`
	User        *UserRef `json:"user"`
	CreatedAt   int64    `json:"created_at"`
}

func attachmentView(v *viewer, a *Attachment) DealAttachmentView {
	return DealAttachmentView{ID: a.ID, FileName: a.FileName, ContentType: a.ContentType, Size: a.Size,
		URL:  fmt.Sprintf("/api/v1/accounts/%d/deals/%d/attachments/%d/download", a.AccountID, a.DealID, a.ID),
		User: v.user(a.UserID), CreatedAt: a.CreatedAt.Unix()}
}

// Attachments lists a deal's files, newest first.
func (s *Service) Attachments(ctx context.Context, actor access.Actor, dealID uint64) ([]DealAttachmentView, error) {
	out := []DealAttachmentView{}
	err := s.readDeal(actor, dealID, func(tx *storage.Tx, d *Deal) error {
		v, err := newViewer(tx, d.AccountID)
		if err != nil {
			return err
		}
		return Attachments.Each(tx, d.AccountID, storage.Query{Index: "deal", Prefix: storage.Uint(d.ID), Reverse: true}, func(a *Attachment) bool {
			out = append(out, attachmentView(v, a))
			return true
		})
	})
	return out, err
}

// cleanFileName keeps the base name of an upload, without path parts or control characters.
func cleanFileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 32 || r == 127 {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" || name == "" {
		name = "file"
	}
	if r := []rune(name); len(r) > maxFileNameRunes {
		name = string(r[:maxFileNameRunes])
	}
	return name
}

// AddAttachment stores a file (at most MaxAttachment bytes) on a deal. The deal is checked
// before the bytes are read; the bytes are written outside any transaction and referenced in
// the one that records the attachment (an upload whose record fails is swept later).
func (s *Service) AddAttachment(ctx context.Context, actor access.Actor, dealID uint64, fileName, contentType string, r io.Reader) (*DealAttachmentView, error) {
	if err := s.readDeal(actor, dealID, func(*storage.Tx, *Deal) error { return nil }); err != nil {
		return nil, err
	}
	if err := actor.Require(Module, access.Manage); err != nil {
		return nil, err
	}
	if s.blobs == nil {
		return nil, apperr.Unavailablef("file storage is not available")
	}
	ref, err := s.blobs.Write(ctx, r, MaxAttachment)
	if err != nil {
		return nil, err
	}
	if ct, _, err := mime.ParseMediaType(contentType); err != nil || ct == "" || ct == "application/octet-stream" {
		contentType = ref.ContentType
	}
	var out DealAttachmentView
	err = s.updateDealPart(actor, dealID, func(tx *storage.Tx, d *Deal) error {
		if err := s.blobs.AddRef(tx, d.AccountID, ref.Hash, ref.Size); err != nil {
			return err
		}
		a := &Attachment{AccountID: d.AccountID, DealID: d.ID, UserID: actor.UserID, FileName: cleanFileName(fileName),
			ContentType: contentType, Size: ref.Size, Hash: ref.Hash, CreatedAt: time.Now().UTC()}
		if err := Attachments.Put(tx, a); err != nil {
			return err
		}
		v, err := newViewer(tx, d.AccountID)
		if err != nil {
			return err
		}
		out = attachmentView(v, a)
		d.Counters.Attachments++
		return touch(tx, d, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteAttachment removes a file from a deal and releases its bytes.
func (s *Service) DeleteAttachment(ctx context.Context, actor access.Actor, dealID, id uint64) error {
	return s.updateDealPart(actor, dealID, func(tx *storage.Tx, d *Deal) error {
		a, err := Attachments.Get(tx, d.AccountID, id)
		if err != nil || a.DealID != d.ID {
			return apperr.NotFoundf("attachment %d not found", id)
		}
		if err := Attachments.Delete(tx, d.AccountID, a.ID); err != nil {
			return err
		}
		if s.blobs != nil {
			if err := s.blobs.Release(tx, d.AccountID, a.Hash); err != nil {
				return err
			}
		}
		d.Counters.Attachments = max(0, d.Counters.Attachments-1)
		return touch(tx, d, actor.UserID)
	})
}

// OpenAttachment opens a deal's file for download; the caller closes it.
func (s *Service) OpenAttachment(ctx context.Context, actor access.Actor, dealID, id uint64) (*DealAttachmentView, *os.File, error) {
	var out DealAttachmentView
	var hash string
	err := s.readDeal(actor, dealID, func(tx *storage.Tx, d *Deal) error {
		a, err := Attachments.Get(tx, d.AccountID, id)
		if err != nil || a.DealID != d.ID {
			return apperr.NotFoundf("attachment %d not found", id)
		}
		v, err := newViewer(tx, d.AccountID)
		if err != nil {
			return err
		}
		out, hash = attachmentView(v, a), a.Hash
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if s.blobs == nil {
		return nil, nil, apperr.NotFoundf("attachment %d not found", id)
	}
	f, err := s.blobs.Open(hash)
	if err != nil {
		return nil, nil, err
	}
	return &out, f, nil
}

// DealChecklistView is a checklist item as the API shows it.
type DealChecklistView struct {
	ID       uint64 `json:"id"`
	Text     string `json:"text"`
	Done     bool   `json:"done"`
	Position int    `json:"position"`
	DoneAt   *int64 `json:"done_at"`
	DoneBy   uint64 `json:"done_by"`
}

func checklistView(c *ChecklistItem) DealChecklistView {
	v := DealChecklistView{ID: c.ID, Text: c.Text, Done: c.Done, Position: c.Position, DoneBy: c.DoneBy}
	if !c.DoneAt.IsZero() {
		t := c.DoneAt.Unix()
		v.DoneAt = &t
	}
	return v
}

// DealChecklistInput is the checklist item form; nil leaves a field alone.
type DealChecklistInput struct {
	Text     *string `json:"text,omitempty"`
	Done     *bool   `json:"done,omitempty"`
	Position *int    `json:"position,omitempty"`
}

func checkItemText(t *string) (string, error) {
	if t == nil {
		return "", apperr.Field("text", "is required")
	}
	v := strings.TrimSpace(*t)
	if v == "" || len([]rune(v)) > MaxChecklistLen {
		return "", apperr.Field("text", fmt.Sprintf("must be 1 to %d characters", MaxChecklistLen))
	}
	return v, nil
}

func checklistOf(tx *storage.Tx, d *Deal) ([]ChecklistItem, error) {
	page, err := Checklist.Scan(tx, d.AccountID, storage.Query{Index: "deal", Prefix: storage.Uint(d.ID)})
	slices.SortStableFunc(page.Items, func(a, b ChecklistItem) int { return a.Position - b.Position })
	return page.Items, err
}

// countChecklist brings the deal's done/total counters in step and saves the deal.
func countChecklist(tx *storage.Tx, d *Deal, actor uint64) error {
	items, err := checklistOf(tx, d)
	if err != nil {
		return err
	}
	d.Counters.ChecklistTotal, d.Counters.ChecklistDone = len(items), 0
	for _, c := range items {
		if c.Done {
			d.Counters.ChecklistDone++
		}
	}
	return touch(tx, d, actor)
}

// Checklist lists a deal's checklist in order.
func (s *Service) Checklist(ctx context.Context, actor access.Actor, dealID uint64) ([]DealChecklistView, error) {
	out := []DealChecklistView{}
	err := s.readDeal(actor, dealID, func(tx *storage.Tx, d *Deal) error {
		items, err := checklistOf(tx, d)
		for i := range items {
			out = append(out, checklistView(&items[i]))
		}
		return err
	})
	return out, err
}

// AddChecklistItem appends an item to a deal's checklist (at most MaxChecklist).
func (s *Service) AddChecklistItem(ctx context.Context, actor access.Actor, dealID uint64, in DealChecklistInput) (*DealChecklistView, error) {
	text, err := checkItemText(in.Text)
	if err != nil {
		return nil, err
	}
	var out DealChecklistView
	err = s.updateDealPart(actor, dealID, func(tx *storage.Tx, d *Deal) error {
		items, err := checklistOf(tx, d)
		if err != nil {
			return err
		}
		if len(items) >= MaxChecklist {
			return apperr.Field("text", fmt.Sprintf("a checklist holds at most %d items", MaxChecklist))
		}
		now := time.Now().UTC()
		c := &ChecklistItem{AccountID: d.AccountID, DealID: d.ID, Text: text, Position: len(items), CreatedAt: now}
		if in.Done != nil && *in.Done {
			c.Done, c.DoneAt, c.DoneBy = true, now, actor.UserID
		}
		if err := Checklist.Put(tx, c); err != nil {
			return err
		}
		out = checklistView(c)
		return countChecklist(tx, d, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateChecklistItem renames, ticks or moves an item; a new position renumbers the list.
func (s *Service) UpdateChecklistItem(ctx context.Context, actor access.Actor, dealID, itemID uint64, in DealChecklistInput) (*DealChecklistView, error) {
	var out DealChecklistView
	err := s.updateDealPart(actor, dealID, func(tx *storage.Tx, d *Deal) error {
		items, err := checklistOf(tx, d)
		if err != nil {
			return err
		}
		at := slices.IndexFunc(items, func(c ChecklistItem) bool { return c.ID == itemID })
		if at < 0 {
			return apperr.NotFoundf("checklist item %d not found", itemID)
		}
		c := items[at]
		if in.Text != nil {
			if c.Text, err = checkItemText(in.Text); err != nil {
				return err
			}
		}
		if in.Done != nil && *in.Done != c.Done {
			c.Done, c.DoneAt, c.DoneBy = *in.Done, time.Time{}, 0
			if c.Done {
				c.DoneAt, c.DoneBy = time.Now().UTC(), actor.UserID
			}
		}
		items = slices.Delete(items, at, at+1)
		to := at
		if in.Position != nil {
			to = min(max(*in.Position, 0), len(items))
		}
		items = slices.Insert(items, to, c)
		for i := range items {
			if items[i].ID == c.ID || items[i].Position != i {
				items[i].Position = i
				if err := Checklist.Put(tx, &items[i]); err != nil {
					return err
				}
			}
		}
		out = checklistView(&items[to])
		return countChecklist(tx, d, actor.UserID)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteChecklistItem removes an item.
func (s *Service) DeleteChecklistItem(ctx context.Context, actor access.Actor, dealID, itemID uint64) error {
	return s.updateDealPart(actor, dealID, func(tx *storage.Tx, d *Deal) error {
		c, err := Checklist.Get(tx, d.AccountID, itemID)
		if err != nil || c.DealID != d.ID {
			return apperr.NotFoundf("checklist item %d not found", itemID)
		}
		if err := Checklist.Delete(tx, d.AccountID, c.ID); err != nil {
			return err
		}
		return countChecklist(tx, d, actor.UserID)
	})
}
