import { describe, expect, it } from "vitest";

import { arrangeFleet, joinRows, removalRisk, totalSpend } from "./fleetView";

import type { FleetRow } from "./fleetView";
import type { FleetInstanceStatus, InstanceSummary } from "@comfycarry/shared";

function summary(id: string, name: string, online: boolean): InstanceSummary {
  return { instance_id: id, name, online, last_seen_at: null, snapshot: null };
}

function status(id: string, overrides: Partial<FleetInstanceStatus> = {}): FleetInstanceStatus {
  return {
    instance_id: id,
    name: id,
    online: true,
    last_seen_at: null,
    offline_since: null,
    gone: false,
    uptime_s: 0,
    idle: false,
    idle_since: null,
    idle_s: 0,
    price: null,
    spend: null,
    comfyui_state: "online",
    queue_running: 0,
    queue_pending: 0,
    gpu_util_percent: null,
    vram_percent: null,
    gpu_temp_c: null,
    disk_percent: null,
    sync_safe: null,
    unsynced_files: null,
    ...overrides,
  };
}

const price = (hourly: number, currency = "USD") => ({ hourly_price: hourly, currency, source: "manual" as const, provider_id: null, set_at: "2026-12-01T00:00:00.000Z" });

const rows: FleetRow[] = joinRows(
  [summary("a", "alpha", true), summary("b", "bravo", true), summary("c", "charlie", false), summary("d", "delta", false)],
  [
    status("a", { idle: true, idle_since: "2026-12-01T10:00:00.000Z", spend: 3, price: price(1), uptime_s: 100 }),
    status("b", { idle: false, spend: 9, price: price(2), gpu_util_percent: 80, uptime_s: 300 }),
    status("c", { online: false, idle: null }),
    status("d", { online: false, gone: true }),
  ],
);

describe("arrangeFleet", () => {
  it("puts gone instances apart", () => {
    const arranged = arrangeFleet(rows, "name", { text: "", state: "all" });

    expect(arranged.live.map((row) => row.summary.instance_id)).toEqual(["a", "b", "c"]);
    expect(arranged.gone.map((row) => row.summary.instance_id)).toEqual(["d"]);
  });

  it("sorts by spend with unpriced last", () => {
    const arranged = arrangeFleet(rows, "spend", { text: "", state: "all" });

    expect(arranged.live.map((row) => row.summary.instance_id)).toEqual(["b", "a", "c"]);
  });

  it("sorts busy before idle before offline", () => {
    const arranged = arrangeFleet(rows, "status", { text: "", state: "all" });

    expect(arranged.live.map((row) => row.summary.instance_id)).toEqual(["b", "a", "c"]);
  });

  it("filters idle instances", () => {
    const arranged = arrangeFleet(rows, "name", { text: "", state: "idle" });

    expect(arranged.live.map((row) => row.summary.instance_id)).toEqual(["a"]);
  });

  it("matches names case-insensitively", () => {
    const arranged = arrangeFleet(rows, "name", { text: "BRA", state: "all" });

    expect(arranged.live.map((row) => row.summary.instance_id)).toEqual(["b"]);
  });
});

describe("removalRisk", () => {
  it("warns about unsynced files", () => {
    const row: FleetRow = { summary: summary("x", "x", true), status: status("x", { sync_safe: false, unsynced_files: 4 }) };

    expect(removalRisk(row)).toEqual({ kind: "unsynced", files: 4 });
  });

  it("has no risk once everything is synced", () => {
    const row: FleetRow = { summary: summary("x", "x", true), status: status("x", { sync_safe: true }) };

    expect(removalRisk(row)).toBeNull();
  });

  it("flags an online instance with unknown sync state", () => {
    const row: FleetRow = { summary: summary("x", "x", true), status: status("x") };

    expect(removalRisk(row)).toEqual({ kind: "unknown" });
  });
});

describe("totalSpend", () => {
  it("sums per currency and counts only online hourly prices", () => {
    const withYuan: FleetRow[] = [...rows, { summary: summary("e", "echo", false), status: status("e", { online: false, spend: 5, price: price(7, "CNY") }) }];

    expect(totalSpend(withYuan)).toEqual([
      { currency: "USD", spend: 12, hourly: 3 },
      { currency: "CNY", spend: 5, hourly: 0 },
    ]);
  });
});
