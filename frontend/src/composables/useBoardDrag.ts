// Drag and drop of cards between the columns of a kanban board (the CRM's stages, the tasks'
// statuses), with native HTML5 drag events and a drop marker. The board keeps its own data and
// move rules; this only tracks the drag and says where a card would land.
import { shallowRef } from 'vue'

/**
 * dropIndex is where a card lands in a column: the number of cards (other than the dragged one)
 * whose vertical middle lies above the pointer. mids are the middles of the column's cards in
 * order, with the dragged card's own entry marked by draggedAt (-1 when it comes from elsewhere).
 */
export function dropIndex(mids: number[], pointerY: number, draggedAt = -1): number {
  let n = 0
  for (let i = 0; i < mids.length; i++) {
    if (i === draggedAt) continue
    if (mids[i] < pointerY) n++
  }
  return n
}

/** What a board tells useBoardDrag about its columns. */
export interface BoardDragOptions<C, K> {
  /** Whether the person may move cards (a read-only board starts no drag). */
  canDrag: () => boolean
  /** The column's key: a stage id, a status. */
  keyOf: (col: C) => K
  /** The ids of the column's cards, in order. */
  idsOf: (col: C) => number[]
  /** A selector every card element in a column body matches, to measure where the pointer is. */
  cardSelector: string
  /** Moves card id into the column with key `to`, at index among that column's other cards. */
  onMove: (id: number, to: K, index: number) => void
}

/** useBoardDrag gives a board its drag handlers and the drop marker's place. */
export function useBoardDrag<C, K>(o: BoardDragOptions<C, K>) {
  const dragging = shallowRef<{ id: number } | null>(null)
  const marker = shallowRef<{ key: K; index: number } | null>(null)

  function onDragStart(e: DragEvent, id: number): void {
    if (!o.canDrag()) return
    dragging.value = { id }
    e.dataTransfer?.setData('text/plain', String(id))
    if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move'
  }
  function onDragEnd(): void {
    dragging.value = null
    marker.value = null
  }
  function indexAt(e: DragEvent, col: C): number {
    const cards = Array.from((e.currentTarget as HTMLElement).querySelectorAll<HTMLElement>(o.cardSelector))
    const mids = cards.map((c) => {
      const r = c.getBoundingClientRect()
      return r.top + r.height / 2
    })
    const draggedAt = dragging.value ? o.idsOf(col).indexOf(dragging.value.id) : -1
    return dropIndex(mids, e.clientY, draggedAt)
  }
  function onDragOver(e: DragEvent, col: C): void {
    if (!dragging.value) return
    e.preventDefault()
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'move'
    const key = o.keyOf(col)
    const index = indexAt(e, col)
    if (marker.value?.key !== key || marker.value.index !== index) marker.value = { key, index }
  }
  function onDragLeave(e: DragEvent, col: C): void {
    const to = e.relatedTarget as Node | null
    if (to && (e.currentTarget as HTMLElement).contains(to)) return
    if (marker.value?.key === o.keyOf(col)) marker.value = null
  }
  function onDrop(e: DragEvent, col: C): void {
    e.preventDefault()
    const d = dragging.value
    const index = indexAt(e, col)
    onDragEnd()
    if (d) o.onMove(d.id, o.keyOf(col), index)
  }
  /** The column's card ids without the one being dragged: the indexes the marker counts in. */
  const rest = (col: C) => o.idsOf(col).filter((id) => id !== dragging.value?.id)
  /** markerBefore tells whether the drop marker goes right before card id. */
  function markerBefore(col: C, id: number): boolean {
    const m = marker.value
    if (!m || m.key !== o.keyOf(col) || id === dragging.value?.id) return false
    return rest(col).indexOf(id) === m.index
  }
  /** markerAtEnd tells whether the drop marker goes after the column's last card. */
  function markerAtEnd(col: C): boolean {
    const m = marker.value
    return !!m && m.key === o.keyOf(col) && m.index >= rest(col).length
  }
  return { dragging, marker, onDragStart, onDragEnd, onDragOver, onDragLeave, onDrop, markerBefore, markerAtEnd }
}
