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

// While the search index is rebuilt its consumer is as far behind as the feed is long; doctor
// says why instead of reporting a stuck consumer, and says whether the rebuild is running.
func TestDoctorExplainsASearchRebuild(t *testing.T) {
	rep := doctorReport{Initialized: true, Status: &app.Status{SearchRebuilding: true, Consumers: []app.ConsumerStatus{
		{Name: "search", Lag: 1_300_000},
		{Name: "webhooks", Lag: 60_000},
	}}}
	if got := problems(rep); len(got) != 1 || !strings.Contains(got[0], "webhooks") {
		t.Fatalf("problems %q, want only the webhooks lag", got)
	}
	for _, c := range []struct {
		running bool
		want    string
	}{{true, "being rebuilt"}, {false, "at the next start"}} {
		rep.Running = c.running
		var out strings.Builder
		printDoctor(&out, rep)
		if !strings.Contains(out.String(), c.want) {
			t.Errorf("running %t: doctor printed\n%s\nwithout %q", c.running, out.String(), c.want)
		}
	}
	rep.Status.SearchRebuilding = false
	if got := problems(rep); len(got) != 2 {
		t.Fatalf("problems %q without a rebuild, want the search lag too", got)
	}
}
