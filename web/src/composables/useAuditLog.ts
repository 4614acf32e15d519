import { ref, shallowRef } from "vue";

import { fetchAudit } from "../api/settings";

import type { ApiFailure } from "../api/client";
import type { AuditEntry, AuditQuery } from "@comfycarry/shared";

/** Entries per page: enough to fill a screen, small enough for a quick first response. */
export const AUDIT_PAGE_SIZE = 50;

/** The audit filters as the form edits them. An empty filter matches any value. */
export interface AuditFilters {
  instanceId: string | null;
  actor: string;
  action: string | null;
  result: AuditQuery["result"] | null;
  /** Milliseconds since the epoch, from the date picker. */
  since: number | null;
}

export function emptyAuditFilters(): AuditFilters {
  return { instanceId: null, actor: "", action: null, result: null, since: null };
}

/** Turns the form's filters into the query of `GET /api/audit`, leaving out the empty ones. */
export function auditQuery(filters: AuditFilters, before?: number): AuditQuery {
  const query: AuditQuery = { limit: AUDIT_PAGE_SIZE };
  if (filters.instanceId !== null) {
    query.instance_id = filters.instanceId;
  }
  if (filters.actor.trim() !== "") {
    query.actor = filters.actor.trim();
  }
  if (filters.action !== null && filters.action.trim() !== "") {
    query.action = filters.action.trim();
  }
  if (filters.result !== null) {
    query.result = filters.result;
  }
  if (filters.since !== null) {
    query.since = new Date(filters.since).toISOString();
  }
  if (before !== undefined) {
    query.before = before;
  }
  return query;
}

/**
 * Pages through the audit log, newest first. `search` starts again from the newest entry
 * with new filters; `more` appends the next page. A reply to an older search that arrives
 * after a newer one started is dropped.
 */
export function useAuditLog() {
  const entries = shallowRef<AuditEntry[]>([]);
  const nextBefore = ref<number | null>(null);
  const error = ref<ApiFailure | null>(null);
  const loading = ref(false);
  let filters = emptyAuditFilters();
  let generation = 0;

  async function load(before?: number): Promise<void> {
    const mine = ++generation;
    loading.value = true;
    const result = await fetchAudit(auditQuery(filters, before));
    if (mine !== generation) {
      return;
    }

    loading.value = false;
    if (!result.ok) {
      error.value = result.error;
      return;
    }
    error.value = null;
    entries.value = before === undefined ? result.value.entries : [...entries.value, ...result.value.entries];
    nextBefore.value = result.value.next_before;
  }

  function search(next: AuditFilters): Promise<void> {
    filters = { ...next };
    return load();
  }

  async function more(): Promise<void> {
    if (nextBefore.value !== null && !loading.value) {
      await load(nextBefore.value);
    }
  }

  return { entries, nextBefore, error, loading, search, more };
}
