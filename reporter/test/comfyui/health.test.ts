import { describe, expect, it } from "vitest";

import type { Service } from "@comfycarry/shared";

import { CRASH_LOOP_WINDOW_MS, RestartHistory, judgeComfyuiState } from "../../src/comfyui/health.js";

function service(status: Service["status"]): Service {
  return { name: "comfy", pm_id: 0, status, pid: null, started_at: null, uptime_s: null, restarts: 0, cpu_percent: 0, memory_bytes: 0 };
}

describe("judgeComfyuiState", () => {
  const stats = { stats: true, api: false };
  const noStats = { stats: false, api: true };
  const silent = { stats: false, api: false };

  it.each([
    [stats, null, false, "online"],
    [stats, service("errored"), true, "online"],
    [noStats, service("online"), false, "online"],
    [noStats, null, false, "online"],
    [silent, service("online"), false, "starting"],
    [silent, service("launching"), false, "starting"],
    [silent, service("stopped"), false, "offline"],
    [silent, null, false, "offline"],
    [silent, service("errored"), false, "crashed"],
    [silent, service("online"), true, "crashed"],
  ] as const)("probe %o, pm2 %o, loop %s gives %s", (probe, pm2, loop, expected) => {
    expect(judgeComfyuiState(probe, pm2, loop)).toBe(expected);
  });
});

describe("RestartHistory", () => {
  it("flags three restarts within the window", () => {
    const history = new RestartHistory();
    history.record(0, 0);
    history.record(1, 1_000);
    history.record(2, 2_000);

    expect(history.record(3, 3_000)).toBe(true);
  });

  it("forgets restarts older than the window", () => {
    const history = new RestartHistory();
    history.record(0, 0);
    history.record(3, 1_000);

    expect(history.record(3, 1_000 + CRASH_LOOP_WINDOW_MS + 1)).toBe(false);
  });

  it("starts over when the counter drops", () => {
    const history = new RestartHistory();
    history.record(5, 0);
    history.record(7, 1_000);

    expect(history.record(0, 2_000)).toBe(false);
  });
});
