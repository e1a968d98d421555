package app

import (
	"testing"
	"time"
)

// TestTrimmerFollowsTheWork: over budget, a trim comes when the process is quiet after some
// work, trims spaced by trimQuietGap, or after trimBusyGap of continuous work; never under
// budget.
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
		{"under budget never", []tick{{11, false, true, false}, {12, false, false, false}, {45, false, true, false}}},
		{"quiet after work", []tick{{11, true, true, false}, {12, true, false, true}}},
		{"work ends too soon after a trim: trimmed once the gap allows", []tick{{11, true, true, false}, {12, true, false, true}, {13, true, true, false}, {14, true, false, false}, {21, true, false, false}, {22, true, false, true}, {23, true, false, false}}},
		{"quiet without work waits for the busy gap", []tick{{11, true, false, false}, {20, true, false, false}, {299, true, false, false}, {300, true, false, true}}},
		{"busy throughout", []tick{{11, true, true, false}, {299, true, true, false}, {300, true, true, true}, {301, true, true, false}, {600, true, true, true}}},
		{"over budget after the work", []tick{{11, false, true, false}, {12, false, false, false}, {13, true, false, true}}},
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
