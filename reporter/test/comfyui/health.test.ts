import { describe, expect, it } from "vitest";

import type { Service } from "@comfycarry/shared";

import { CRASH_LOOP_WINDOW_MS, RestartHistory, judgeComfyuiState } from "../../src/comfyui/health.js";

function service(status: Service["status"]): Service {
  return { name: "comfy", pm_id: 0, status, pid: null, started_at: null, uptime_s: null, restarts: 0, cpu_percent: 0, memory_bytes: 0 };
}

describe("judgeComfyuiState", () => {
  it.each([
    [true, null, false, "online"],
    [true, service("errored"), true, "online"],
    [false, service("online"), false, "starting"],
    [false, service("launching"), false, "starting"],
    [false, service("stopped"), false, "offline"],
    [false, null, false, "offline"],
    [false, service("errored"), false, "crashed"],
    [false, service("online"), true, "crashed"],
  ] as const)("http %s, pm2 %o, loop %s gives %s", (httpOk, pm2, loop, expected) => {
    expect(judgeComfyuiState(httpOk, pm2, loop)).toBe(expected);
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
