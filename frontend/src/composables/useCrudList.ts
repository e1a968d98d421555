// One editable list of a settings page: load it, add or change an item through a dialog, delete
// one after asking. Labels, canned responses, macros, SLA policies and inboxes all work this way;
// each page keeps only its form and its columns. The list loads when the page mounts.

import { onMounted, ref, type Ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { useConfirmDelete } from './useConfirmDelete'
import { useFieldErrors, useNotify } from './useApiErrors'

/** Anything the server keeps under a numeric id. */
export interface Identified {
  id: number
}

/** The server calls behind one list (a REST collection: GET, POST, PATCH /{id}, DELETE /{id}). */
export interface CrudResource<T, B> {
  list(): Promise<T[]>
  create(body: B): Promise<T>
  update(id: number, body: B): Promise<T>
  remove(id: number): Promise<unknown>
}

/** What a page says about its items; the rest of the wording is shared. */
export interface CrudWords<T> {
  /** The question before deleting, naming the item ("Delete the label “vip”?"). */
  removeConfirm: (item: T) => string
  /** The toast once an item is deleted. */
  deleted: (item: T) => string
}

/** upsertById puts item where the item with its id was, or at the end when it is new. */
export function upsertById<T extends Identified>(list: readonly T[], item: T): T[] {
  let found = false
  const out = list.map((x) => {
    if (x.id !== item.id) return x
    found = true
    return item
  })
  return found ? out : [...out, item]
}

/** withoutId is list without the item that has id. */
export function withoutId<T extends Identified>(list: readonly T[], id: number): T[] {
  return list.filter((x) => x.id !== id)
}

export function useCrudList<T extends Identified, B>(resource: CrudResource<T, B>, words: CrudWords<T>) {
  const { t } = useI18n()
  const notify = useNotify()
  const confirmDelete = useConfirmDelete()
  const { errors, clear, set, take } = useFieldErrors()

  const items = ref([]) as Ref<T[]>
  const loading = ref(true)
  /** Whether the add/edit dialog is open, and the item it edits (null: a new one). */
  const dialog = ref(false)
  const editing = ref(null) as Ref<T | null>
  const saving = ref(false)

  async function load(): Promise<void> {
    loading.value = true
    try {
      items.value = await resource.list()
    } catch (e) {
      notify.failure(e)
    } finally {
      loading.value = false
    }
  }
  onMounted(load)

  /** open shows the dialog for item (null: a new one) with no messages left from before. */
  function open(item: T | null): void {
    clear()
    editing.value = item
    dialog.value = true
  }

  /**
   * save sends body as a new item or as the change of the one being edited, puts the answer in
   * the list and closes the dialog. The server's field messages land in errors; true when saved.
   */
  async function save(body: B): Promise<boolean> {
    clear()
    saving.value = true
    try {
      const current = editing.value
      const saved = current ? await resource.update(current.id, body) : await resource.create(body)
      items.value = upsertById(items.value, saved)
      dialog.value = false
      notify.success(t('common.saved'))
      return true
    } catch (e) {
      take(e)
      return false
    } finally {
      saving.value = false
    }
  }

  /** remove asks first, then deletes item and drops it from the list. */
  function remove(item: T): void {
    confirmDelete({
      message: words.removeConfirm(item),
      accept: t('common.delete'),
      done: words.deleted(item),
      run: async () => {
        await resource.remove(item.id)
        items.value = withoutId(items.value, item.id)
      },
    })
  }

  return { items, loading, load, dialog, editing, saving, open, save, remove, errors, clear, set, take }
}
