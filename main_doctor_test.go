package main

import (
	"strings"
	"testing"

	"github.com/parleyhq/parley/app"
)

// TestDoctorReportsALaggingConsumer: a consumer far behind the change feed is a problem even
// when it has not failed (it said "No problems found" at a lag of 1.75M events).
func TestDoctorReportsALaggingConsumer(t *testing.T) {
	rep := doctorReport{Status: &app.Status{Consumers: []app.ConsumerStatus{
		{Name: "search", Cursor: 10, Lag: 12},
		{Name: "webhooks", Cursor: 10, Lag: 1_750_000},
	}}}
	got := problems(rep)
	if len(got) != 1 || !strings.Contains(got[0], "webhooks is 1750000 events behind") {
		t.Fatalf("problems %q, want one naming webhooks and its lag", got)
	}
}
