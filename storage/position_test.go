package storage

import (
	"slices"
	"testing"
)

// Place keeps gaps, takes the middle of a gap, and renumbers only when neighbours touch.
func TestPlace(t *testing.T) {
	for _, c := range []struct {
		col  []int64
		i    int
		pos  int64
		renu []int64
	}{
		{nil, 0, 10, nil},
		{[]int64{10, 20}, 2, 30, nil},
		{[]int64{10, 20}, 9, 30, nil}, // clamped to the end
		{[]int64{10, 20}, 0, 0, nil},
		{[]int64{10, 20}, -1, 0, nil},
		{[]int64{10, 20}, 1, 15, nil},
		{[]int64{10, 11, 20}, 1, 20, []int64{10, 30, 40}},
		{[]int64{-5, -4}, 1, 20, []int64{10, 30}},
	} {
		pos, renu := Place(c.col, c.i, 10)
		if pos != c.pos || !slices.Equal(renu, c.renu) {
			t.Errorf("Place(%v, %d) = %d, %v; want %d, %v", c.col, c.i, pos, renu, c.pos, c.renu)
		}
	}
	// Squeezing into the same gap again and again ends in a renumbering, never a collision.
	col := []int64{10, 20}
	for range 10 {
		pos, renu := Place(col, 1, 10)
		if renu != nil {
			col = renu
		}
		col = slices.Insert(col, 1, pos)
		if !slices.IsSorted(col) || len(slices.Compact(slices.Clone(col))) != len(col) {
			t.Fatalf("positions %v not strictly increasing", col)
		}
	}
}
