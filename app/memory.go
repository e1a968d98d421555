package app

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"time"
)

// The process gives memory back after bulk work (an import, a burst of messages, a rebuild).
// Two kinds of memory stay counted in its resident size long after such work:
//   - the pages of the store and index files it read through their memory maps: they are the
//     kernel's cache of those files, kept whether or not the process maps them, but every
//     page read since the start stays counted (the bench's run on a 1M-message store left 1.6 GB);
//   - the heap the work grew, which Go returns to the system only slowly.
//
// Every trimTick the trimmer looks at both. Over budget, it releases them once the process is
// quiet after bulk work (bulkTicks busy ticks in a row), so the trim follows the work rather
// than interrupting it; short bursts (an agent's clicks) do not count, since the pages they
// read are the ones the next click reads, except within bulkTail of such a trim, where they
// are the tail of the same work. Whatever the load, it releases the mapped pages every
// trimGap, and the heap then too if the process is quiet: giving the heap back is a full
// collection. A page released and then read again is a minor fault on a cached page, not a
// disk read.
const (
	trimTick = time.Second
	// mappedBudget is how much of the mapped files (the binary's included) may stay resident.
	mappedBudget = 128 << 20
	// heapBudget is how much heap a collection could give back (free, or garbage) may stay.
	heapBudget = 32 << 20
	// bulkTicks busy ticks in a row are bulk work.
	bulkTicks = 3
	// bulkTail is how long after a trim that followed bulk work a busy tick still counts as that
	// work: it often ends in bursts with quiet seconds between them (index merges after an
	// import), and the first quiet second trimmed while the merges still had pages to read (the
	// bench's run was left with 403 MB of them).
	bulkTail = 30 * time.Second
	// trimGap is the longest time between trims while over budget.
	trimGap = 5 * time.Minute
	// quietCPU is the CPU share under which a tick counts as quiet.
	quietCPU = 0.05
)

// trimmer decides when to trim.
type trimmer struct {
	last   time.Time
	streak int       // busy ticks in a row
	bulk   bool      // bulk work since the last trim
	tail   time.Time // until when a busy tick continues the bulk work of the last trim (bulkTail)
}

// due reports whether to trim now, given whether memory is over budget and whether the
// process was busy during the tick that just ended.
func (t *trimmer) due(now time.Time, over, busy bool) bool {
	if busy {
		t.streak++
		if t.streak >= bulkTicks || now.Before(t.tail) {
			t.bulk = true
		}
	} else {
		t.streak = 0
	}
	if !over {
		return false
	}
	since := now.Sub(t.last)
	if since >= trimGap || !busy && t.bulk {
		if t.bulk {
			t.tail = now.Add(bulkTail)
		}
		t.last, t.bulk = now, false
		return true
	}
	return false
}

// trimMemory runs the trimmer until ctx ends.
func (a *App) trimMemory(ctx context.Context) {
	tick := time.NewTicker(trimTick)
	defer tick.Stop()
	t := trimmer{last: time.Now()}
	cpu, cpuKnown := processCPU()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now, known := processCPU()
		busy := !known || !cpuKnown || (now-cpu).Seconds() > quietCPU*trimTick.Seconds()
		cpu, cpuKnown = now, known
		mapped, mappedKnown := mappedResident()
		overMapped := mappedKnown && mapped > mappedBudget
		overHeap := heapReclaimable() > heapBudget
		if !t.due(time.Now(), overMapped || overHeap, busy) {
			continue
		}
		began := time.Now()
		if overMapped {
			if err := a.DB.ReleaseMapped(); err != nil {
				a.log.Warn("memory trim: store", "err", err)
			}
			if err := a.Search.ReleaseMapped(); err != nil {
				a.log.Warn("memory trim: search index", "err", err)
			}
		}
		// Giving the heap back means a full collection: not while requests are being served.
		if overHeap && !busy {
			debug.FreeOSMemory()
		}
		after, _ := mappedResident()
		a.log.Debug("memory trimmed", "mapped_mb", mapped>>20, "mapped_after_mb", after>>20, "heap", overHeap && !busy, "took", time.Since(began))
	}
}

// heapReclaimable is how much heap a collection would give back: free heap the runtime keeps,
// and what the objects hold beyond the live heap of the last collection (garbage since).
func heapReclaimable() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	for _, v := range s {
		if v.Value.Kind() != metrics.KindUint64 {
			return 0
		}
	}
	free, objects, live := s[0].Value.Uint64(), s[1].Value.Uint64(), s[2].Value.Uint64()
	return free + objects - min(objects, live)
}

// mappedResident is how much of the files the process maps is resident (Linux's RssFile);
// known is false where the system does not say.
func mappedResident() (n int64, known bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("RssFile:")); ok {
			kb, err := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}
