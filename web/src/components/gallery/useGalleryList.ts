import { ref, toValue, watch } from "vue";

import { sendCommand } from "../../composables/instanceCommand";

import type { CommandFailure } from "../../composables/instanceCommand";
import type { GalleryItem, GalleryKind, GalleryRoot } from "@comfycarry/shared";
import type { MaybeRefOrGetter, Ref } from "vue";

/** Items per page: enough to fill a desktop screen, small enough for a phone on a slow link. */
export const PAGE_SIZE = 48;

export interface GalleryFilters {
  root: GalleryRoot;
  query: string;
  kind: GalleryKind | null;
}

/** Loads an instance's gallery page by page. It reloads when the filters change and appends a page on `more()`. */
export function useGalleryList(instanceId: MaybeRefOrGetter<string>, filters: Ref<GalleryFilters>) {
  const items = ref<GalleryItem[]>([]);
  const total = ref(0);
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);
  const error = ref<CommandFailure | null>(null);
  let generation = 0;

  async function fetchPage(cursor: string | null): Promise<void> {
    const own = ++generation;
    loading.value = true;
    const { root, query, kind } = filters.value;
    const result = await sendCommand(toValue(instanceId), "gallery.list", {
      root,
      limit: PAGE_SIZE,
      ...(query.trim() === "" ? {} : { query: query.trim() }),
      ...(kind === null ? {} : { kind }),
      ...(cursor === null ? {} : { cursor }),
    });
    // A newer request (filters changed while this one ran) wins.
    if (own !== generation) {
      return;
    }
    loading.value = false;
    if (!result.ok) {
      error.value = result.error;
      return;
    }
    error.value = null;
    items.value = cursor === null ? result.data.items : [...items.value, ...result.data.items];
    total.value = result.data.total;
    nextCursor.value = result.data.next_cursor;
  }

  function reload(): Promise<void> {
    return fetchPage(null);
  }

  function more(): Promise<void> {
    return nextCursor.value === null || loading.value ? Promise.resolve() : fetchPage(nextCursor.value);
  }

  watch(filters, () => void reload(), { deep: true });

  return { items, total, nextCursor, loading, error, reload, more };
}
