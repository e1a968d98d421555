package app

import (
	"testing"
	"time"
)

// TestTrimmerFollowsTheWork: over budget, a trim comes when the process is quiet after bulk
// work (bulkTicks busy ticks in a row, or any busy tick within bulkTail of a trim after bulk
// work), or every trimGap whatever the load; other short bursts do not count, and nothing
// happens under budget.
func TestTrimmerFollowsTheWork(t *testing.T) {
	start := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return start.Add(time.Duration(s * float64(time.Second))) }
	type tick struct {
		at         float64
		over, busy bool
		want       bool
	}
	for _, c := range []struct {
		name  string
		ticks []tick
	}{
		{"under budget never", []tick{{11, false, true, false}, {12, false, true, false}, {13, false, true, false}, {14, false, false, false}, {400, false, true, false}}},
		{"quiet after bulk work", []tick{{11, true, true, false}, {12, true, true, false}, {13, true, true, false}, {14, true, false, true}, {15, true, false, false}}},
		{"a short burst is not bulk work", []tick{{11, true, true, false}, {12, true, true, false}, {13, true, false, false}, {14, true, true, false}, {15, true, false, false}}},
		{"bulk work again", []tick{
			{11, true, true, false}, {12, true, true, false}, {13, true, true, false}, {14, true, false, true},
			{15, true, true, false}, {16, true, true, false}, {17, true, true, false}, {18, true, false, true}, {19, true, false, false}}},
		{"bulk work that ends in bursts", []tick{
			{11, true, true, false}, {12, true, true, false}, {13, true, true, false}, {14, true, false, true},
			{15, true, true, false}, {16, true, false, true}, {40, true, true, false}, {41, true, false, true},
			{80, true, true, false}, {81, true, false, false}}},
		{"bulk work ended under budget, over budget later", []tick{{11, false, true, false}, {12, false, true, false}, {13, false, true, false}, {14, false, false, false}, {20, true, false, true}}},
		{"steady load: every trimGap", []tick{{11, true, true, false}, {299, true, true, false}, {300, true, true, true}, {301, true, true, false}, {600, true, true, true}}},
		{"quiet, over budget: every trimGap", []tick{{11, true, false, false}, {299, true, false, false}, {300, true, false, true}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := trimmer{last: start}
			for _, k := range c.ticks {
				if got := tr.due(at(k.at), k.over, k.busy); got != k.want {
					t.Fatalf("at %gs (over %v, busy %v): due = %v, want %v", k.at, k.over, k.busy, got, k.want)
				}
			}
		})
	}
}

// TestMappedResidentReadsTheProcess: the trimmer's measure of mapped memory is the process's
// own, and at least its binary's code is mapped.
func TestMappedResidentReadsTheProcess(t *testing.T) {
	n, known := mappedResident()
	if !known {
		t.Skip("this system does not report RssFile")
	}
	if n < 1<<20 {
		t.Fatalf("RssFile = %d bytes: the binary alone maps more", n)
	}
	if _, known := processCPU(); !known {
		t.Fatal("process CPU time unknown")
	}
}
