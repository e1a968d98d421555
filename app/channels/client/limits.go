package client

import (
	"strconv"
	"time"

	"github.com/parleyhq/parley/app/apperr"
	"github.com/parleyhq/parley/app/conversations"
	"github.com/parleyhq/parley/app/ratelimit"
)

// limits are the public API's rate limits: per address for everything and for making contacts
// (each one is a row in the CRM), per visitor for what they write.
type limits struct {
	ip      *ratelimit.Keyed
	create  *ratelimit.Keyed
	message *ratelimit.Keyed
	typing  *ratelimit.Keyed
	upload  *ratelimit.Keyed
}

func newLimits() limits {
	return limits{
		ip:      ratelimit.New(120, 250*time.Millisecond),
		create:  ratelimit.New(10, 30*time.Second),
		message: ratelimit.New(20, 3*time.Second),
		typing:  ratelimit.New(30, time.Second),
		upload:  ratelimit.New(5, 30*time.Second),
	}
}

// refuse is a TooManyRequests error with the wait for Retry-After.
func refuse(what string, wait time.Duration) error {
	return &apperr.Error{Kind: apperr.TooManyRequests, Message: "too many " + what + ": try again in a moment",
		RetryAfterSeconds: ratelimit.RetryAfter(wait)}
}

func takeKey(k *ratelimit.Keyed, key, what string) error {
	if ok, wait := k.Take(key); !ok {
		return refuse(what, wait)
	}
	return nil
}

// allowIP takes one of the address's tokens for any call.
func (l limits) allowIP(ip string) error { return takeKey(l.ip, ratelimit.AddressKey(ip), "requests") }

// take takes one of the visitor's tokens from k.
func (l limits) take(k *ratelimit.Keyed, v conversations.Visitor, what string) error {
	return takeKey(k, strconv.FormatUint(v.ContactInboxID, 10), what)
}
