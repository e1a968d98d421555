package storage

// Place positions an item inserted at index i among the other items of an ordered column whose
// positions are col (ascending), keeping gaps of gap between neighbours so that a move usually
// writes only the moved record. When the neighbours at i already touch, the column has to be
// renumbered: renumbered then holds the new position of every item of col (with the slot at i
// left for the moved one); otherwise it is nil. i is clamped to [0, len(col)].
func Place(col []int64, i int, gap int64) (pos int64, renumbered []int64) {
	i = min(max(i, 0), len(col))
	switch {
	case len(col) == 0:
		return gap, nil
	case i == len(col):
		return col[i-1] + gap, nil
	case i == 0:
		return col[0] - gap, nil
	}
	if lo, hi := col[i-1], col[i]; hi-lo > 1 {
		return lo + (hi-lo)/2, nil
	}
	renumbered = make([]int64, len(col))
	for k := range col {
		n := int64(k + 1)
		if k >= i {
			n++
		}
		renumbered[k] = n * gap
	}
	return int64(i+1) * gap, renumbered
}
