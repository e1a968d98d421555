package webhooks

import "time"

// Retry schedule: the first retry waits FirstRetry, each further one twice as long, no wait
// longer than MaxRetryWait, and nothing is tried later than RetryWindow after the window opened
// (the delivery's creation, or its last resend): a wait that would end past the window's end is
// cut short to one last attempt at the end.
const (
	FirstRetry   = 30 * time.Second
	MaxRetryWait = 2 * time.Hour
	RetryWindow  = 24 * time.Hour
)

// NextAttempt says when to try again after the tries-th failed attempt (1 for the first) of a
// window that opened at start, the last failure being at now; false means the window is over
// and the delivery has failed.
func NextAttempt(start time.Time, tries int, now time.Time) (time.Time, bool) {
	wait := FirstRetry
	for i := 1; i < tries && wait < MaxRetryWait; i++ {
		wait *= 2
	}
	wait = min(wait, MaxRetryWait)
	end := start.Add(RetryWindow)
	if !now.Before(end) {
		return time.Time{}, false
	}
	if next := now.Add(wait); next.Before(end) {
		return next, true
	}
	return end, true
}
