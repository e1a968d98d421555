// Package apperr defines the error kinds Parley's services return and the HTTP layer maps to
// status codes. Services wrap these with %w and a prefix; callers use errors.As / KindOf.
package apperr

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Kind classifies an error for the API layer (and for anyone deciding whether to retry).
type Kind int

// The kinds of error. Internal is the zero value so that an unclassified error is never mistaken
// for a client mistake.
const (
	Internal Kind = iota
	NotFound
	Invalid
	Conflict
	Forbidden
	Unauthorized
	Unavailable
	TooManyRequests
)

// String names the kind the way it appears in logs.
func (k Kind) String() string {
	switch k {
	case NotFound:
		return "not found"
	case Invalid:
		return "invalid"
	case Conflict:
		return "conflict"
	case Forbidden:
		return "forbidden"
	case Unauthorized:
		return "unauthorized"
	case Unavailable:
		return "unavailable"
	case TooManyRequests:
		return "too many requests"
	}
	return "internal"
}

// Error is a classified error. Fields holds per-field messages for Invalid (and for Conflict on a
// unique field), keyed by the field's JSON name.
type Error struct {
	Kind    Kind
	Message string
	Fields  map[string]string
	// RetryAfterSeconds is set on TooManyRequests so the API can send Retry-After.
	RetryAfterSeconds int
}

// Error renders the message followed by the field errors in a stable order.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Fields[k])
	}
	return e.Message + " (" + strings.Join(parts, "; ") + ")"
}

// Newf builds an error of the given kind.
func Newf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf reports a missing record. Use it also for records of another account, so that ids
// never leak across tenants.
func NotFoundf(format string, args ...any) *Error { return Newf(NotFound, format, args...) }

// Forbiddenf reports a permission failure.
func Forbiddenf(format string, args ...any) *Error { return Newf(Forbidden, format, args...) }

// Conflictf reports a clash with existing state (a unique value taken, a state change refused).
func Conflictf(format string, args ...any) *Error { return Newf(Conflict, format, args...) }

// Unauthorizedf reports missing or bad credentials.
func Unauthorizedf(format string, args ...any) *Error { return Newf(Unauthorized, format, args...) }

// Unavailablef reports a dependency that cannot serve now (disk full, channel disconnected).
func Unavailablef(format string, args ...any) *Error { return Newf(Unavailable, format, args...) }

// Field reports one invalid field.
func Field(field, message string) *Error {
	return &Error{Kind: Invalid, Message: "validation failed", Fields: map[string]string{field: message}}
}

// Fields collects field errors; the zero value is ready to use. Err returns nil when nothing was
// added, so validation reads as a list of checks followed by `return v.Err()`.
type Fields map[string]string

// Add records a message for field unless one is already recorded (the first problem wins).
func (f *Fields) Add(field, message string) {
	if *f == nil {
		*f = Fields{}
	}
	if _, ok := (*f)[field]; !ok {
		(*f)[field] = message
	}
}

// Err returns the collected errors as an Invalid error, or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Message: "validation failed", Fields: map[string]string(f)}
}

// KindOf finds the kind of err (Internal when it is not classified).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is of the given kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// As returns the classified error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
