package conversations

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/app/access"
	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/storage"
)

// Attachments are served by signed, expiring links rather than behind the session: an <img> or
// <audio> tag sends no bearer token, and a link copied out of the app stops working a day later.

// MaxUpload is the largest file an agent can attach.
const MaxUpload = 40 << 20

// installSecret is a random key of the installation, made on first use.
type installSecret struct {
	ID  uint64 `json:"id"`
	Key []byte `json:"key"`
}

// installSecrets are installation-wide (account 0).
var installSecrets = storage.NewCollection(storage.Def[installSecret]{
	Name:    "installation_secrets",
	ID:      func(k *installSecret) *uint64 { return &k.ID },
	Account: func(*installSecret) uint64 { return 0 },
})

// mediaSecretID is the record holding the attachment-link signing key.
const mediaSecretID = 1

// mediaKeys caches each store's signing key (it never changes once made).
var mediaKeys sync.Map // *storage.DB → []byte

// mediaKey returns the attachment-link signing key, creating it on first use. It opens its own
// transactions: call it before the caller's.
func (s *Service) mediaKey() ([]byte, error) {
	if k, ok := mediaKeys.Load(s.DB); ok {
		return k.([]byte), nil
	}
	var key []byte
	read := func(tx *storage.Tx) error {
		if k, err := installSecrets.Get(tx, 0, mediaSecretID); err == nil {
			key = k.Key
		}
		return nil
	}
	if err := s.DB.View(read); err != nil {
		return nil, err
	}
	if key == nil {
		err := s.DB.Update(func(tx *storage.Tx) error {
			if read(tx); key != nil {
				return nil
			}
			key = make([]byte, 32)
			rand.Read(key)
			return installSecrets.Put(tx, &installSecret{ID: mediaSecretID, Key: key})
		})
		if err != nil {
			return nil, err
		}
	}
	mediaKeys.Store(s.DB, key)
	return key, nil
}

func signAttachment(key []byte, account, message uint64, index int, exp int64) string {
	h := hmac.New(sha256.New, key)
	fmt.Fprintf(h, "%d/%d/%d/%d", account, message, index, exp)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// attachmentURL is the signed link to a message's file. The expiry is rounded to the hour so
// the link stays the same (and cacheable) for an hour, and it lives at least a day.
func attachmentURL(key []byte, account, message uint64, index int, now time.Time) string {
	exp := now.Truncate(time.Hour).Add(25 * time.Hour).Unix()
	return fmt.Sprintf("/media/attachments/%d/%d/%d?exp=%d&sig=%s", account, message, index, exp, signAttachment(key, account, message, index, exp))
}

// OpenAttachment checks a signed attachment link and opens the file; the caller closes it. A bad
// or expired signature and a missing file all read as NotFound.
func (s *Service) OpenAttachment(ctx context.Context, account, message uint64, index int, exp int64, sig string) (*Attachment, *os.File, error) {
	notFound := apperr.NotFoundf("attachment not found")
	key, err := s.mediaKey()
	if err != nil {
		return nil, nil, err
	}
	want := signAttachment(key, account, message, index, exp)
	if !hmac.Equal([]byte(want), []byte(sig)) || s.now().Unix() > exp || s.Blobs == nil {
		return nil, nil, notFound
	}
	var a *Attachment
	err = s.DB.View(func(tx *storage.Tx) error {
		m, err := Messages.Get(tx, account, message)
		if err != nil || index < 0 || index >= len(m.Attachments) || m.Attachments[index].Hash == "" {
			return notFound
		}
		a = &m.Attachments[index]
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	f, err := s.Blobs.Open(a.Hash)
	if err != nil {
		return nil, nil, err
	}
	return a, f, nil
}

// Inline reports whether a browser may show a file of this type in place (pictures, sound and
// video); anything else is downloaded. SVG can carry scripts, so it is downloaded too.
func Inline(contentType string) bool {
	ct, _, _ := mime.ParseMediaType(contentType)
	if ct == "image/svg+xml" {
		return false
	}
	return strings.HasPrefix(ct, "image/") || strings.HasPrefix(ct, "audio/") || strings.HasPrefix(ct, "video/")
}

// FileTypeOf is Chatwoot's file_type for a content type.
func FileTypeOf(contentType string) string {
	ct, _, _ := mime.ParseMediaType(contentType)
	switch {
	case strings.HasPrefix(ct, "image/"):
		return FileImage
	case strings.HasPrefix(ct, "audio/"):
		return FileAudio
	case strings.HasPrefix(ct, "video/"):
		return FileVideo
	}
	return FileDocument
}

// extensionOf is a usual extension (with the dot) for a content type, or "".
func extensionOf(contentType string) string {
	ct, _, _ := mime.ParseMediaType(contentType)
	if exts, _ := mime.ExtensionsByType(ct); len(exts) > 0 {
		return exts[0]
	}
	return ""
}

// Upload stores a file an agent attaches (at most MaxUpload) and describes it; a message then
// refers to it by hash. The declared content type wins unless it is missing or generic, in which
// case the sniffed one is used.
func (s *Service) Upload(ctx context.Context, actor access.Actor, r io.Reader, name, contentType string) (*Attachment, error) {
	if err := actor.Require(module, access.Manage); err != nil {
		return nil, err
	}
	a, err := s.StoreFile(ctx, r, MaxUpload, name, contentType)
	if e, ok := apperr.As(err); ok && e.Fields["file"] != "" {
		return nil, apperr.Field("attachment", e.Fields["file"])
	}
	return a, err
}

// StoreFile writes a file (at most limit bytes; over it, a field error on "file") to the blob
// store and describes it as an attachment, for the agents' uploads and the contact-side ones.
func (s *Service) StoreFile(ctx context.Context, r io.Reader, limit int64, name, contentType string) (*Attachment, error) {
	if s.Blobs == nil {
		return nil, apperr.Unavailablef("file storage is not available")
	}
	ref, err := s.Blobs.Write(ctx, r, limit)
	if err != nil {
		return nil, err
	}
	ct, _, _ := mime.ParseMediaType(contentType)
	if ct == "" || ct == "application/octet-stream" {
		ct, _, _ = mime.ParseMediaType(ref.ContentType)
	}
	name = filepath.Base(strings.ReplaceAll(strings.TrimSpace(name), "\\", "/"))
	if name == "" || name == "." || name == "/" {
		name = "file" + extensionOf(ct)
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	return &Attachment{FileType: FileTypeOf(ct), Hash: ref.Hash, Name: name, ContentType: ct, Size: ref.Size}, nil
}
