import { comfyuiLevel } from "../../lib/levels";

import type { Level } from "../../lib/levels";
import type { FleetInstanceStatus, InstanceSummary } from "@comfycarry/shared";

/** Returns an instance's colour in the fleet: red when its reporter is offline, else its ComfyUI state's colour. */
export function instanceLevel(instance: InstanceSummary): Level {
  if (!instance.online) {
    return "red";
  }
  return instance.snapshot === null ? "neutral" : comfyuiLevel(instance.snapshot.comfyui.state);
}

/** One instance on the fleet page: its list entry and, once loaded, its status. */
export type FleetRow = { summary: InstanceSummary; status: FleetInstanceStatus | null };

export const FLEET_SORTS = ["name", "status", "spend", "gpu", "idle", "uptime"] as const;
export type FleetSort = (typeof FLEET_SORTS)[number];

export const FLEET_STATES = ["all", "online", "offline", "idle", "busy"] as const;
export type FleetStateFilter = (typeof FLEET_STATES)[number];

export type FleetFilter = { text: string; state: FleetStateFilter };

/** Joins the instance list with the fleet status by instance id. */
export function joinRows(instances: InstanceSummary[], statuses: FleetInstanceStatus[]): FleetRow[] {
  const byId = new Map(statuses.map((status) => [status.instance_id, status]));
  return instances.map((summary) => ({ summary, status: byId.get(summary.instance_id) ?? null }));
}

function matchesState(row: FleetRow, state: FleetStateFilter): boolean {
  switch (state) {
    case "all":
      return true;
    case "online":
      return row.summary.online;
    case "offline":
      return !row.summary.online;
    case "idle":
      return row.summary.online && row.status?.idle === true;
    case "busy":
      return row.summary.online && row.status?.idle === false;
  }
}

function matchesText(row: FleetRow, text: string): boolean {
  const needle = text.trim().toLowerCase();
  if (needle === "") {
    return true;
  }
  const gpuNames = row.summary.snapshot?.system.gpus.map((gpu) => gpu.name) ?? [];
  return [row.summary.name, row.summary.instance_id, ...gpuNames].some((value) => value.toLowerCase().includes(needle));
}

/** Rank for the status sort: busy first, then idle, then offline. */
function statusRank(row: FleetRow): number {
  if (!row.summary.online) {
    return 2;
  }
  return row.status?.idle === true ? 1 : 0;
}

/** Sort key where higher sorts first; null sorts last. */
function descendingKey(row: FleetRow, sort: Exclude<FleetSort, "name" | "status">): number | null {
  const status = row.status;
  switch (sort) {
    case "spend":
      return status?.spend ?? null;
    case "gpu":
      return status?.gpu_util_percent ?? null;
    case "idle":
      return status?.idle_since === null || status?.idle_since === undefined ? null : -Date.parse(status.idle_since);
    case "uptime":
      return status?.uptime_s ?? null;
  }
}

function compareRows(a: FleetRow, b: FleetRow, sort: FleetSort): number {
  const byName = a.summary.name.localeCompare(b.summary.name);
  if (sort === "name") {
    return byName;
  }
  if (sort === "status") {
    return statusRank(a) - statusRank(b) || byName;
  }
  const left = descendingKey(a, sort);
  const right = descendingKey(b, sort);
  if (left === right) {
    return byName;
  }
  if (left === null) {
    return 1;
  }
  if (right === null) {
    return -1;
  }
  return right - left;
}

/**
 * Filters and sorts the rows, and puts instances offline for days apart as "gone". The
 * state filter applies to the live list only, so gone instances stay findable by name.
 */
export function arrangeFleet(rows: FleetRow[], sort: FleetSort, filter: FleetFilter): { live: FleetRow[]; gone: FleetRow[] } {
  const matching = rows.filter((row) => matchesText(row, filter.text));
  const sorted = [...matching].sort((a, b) => compareRows(a, b, sort));
  return {
    live: sorted.filter((row) => row.status?.gone !== true && matchesState(row, filter.state)),
    gone: sorted.filter((row) => row.status?.gone === true),
  };
}

/** Risk of removing an instance: files not yet on the remote, or a sync state the reporter has not reported. */
export type RemovalRisk = { kind: "unsynced"; files: number } | { kind: "unknown" } | null;

/** Returns the risk of removing `row`: sync's "safe to destroy" is false, or unknown while online. */
export function removalRisk(row: FleetRow): RemovalRisk {
  const status = row.status;
  if (status === null || status.sync_safe === null) {
    return status?.online === true ? { kind: "unknown" } : null;
  }
  if (!status.sync_safe) {
    return { kind: "unsynced", files: status.unsynced_files ?? 0 };
  }
  return null;
}

/** Sums the spend of `rows` per currency, for the fleet's total line. */
export function totalSpend(rows: FleetRow[]): { currency: string; spend: number; hourly: number }[] {
  const totals = new Map<string, { spend: number; hourly: number }>();
  for (const row of rows) {
    const price = row.status?.price;
    if (price === null || price === undefined) {
      continue;
    }
    const total = totals.get(price.currency) ?? { spend: 0, hourly: 0 };
    total.spend += row.status?.spend ?? 0;
    total.hourly += row.summary.online ? price.hourly_price : 0;
    totals.set(price.currency, total);
  }
  return [...totals.entries()].map(([currency, total]) => ({ currency, ...total }));
}

/** Formats a money amount with its currency in the viewer's locale. */
export function formatMoney(amount: number, currency: string, locale: string): string {
  try {
    return new Intl.NumberFormat(locale, { style: "currency", currency, maximumFractionDigits: amount < 10 ? 2 : 0 }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}
