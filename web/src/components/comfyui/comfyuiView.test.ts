import { describe, expect, it } from "vitest";

import { choicesToFast, fastToChoices, listensBeyondLocalhost, processState } from "./comfyuiView";

const RUNNING = { status: "online" as const, pid: 10, restarts: 0, online: true, orphan_pid: null };

describe("processState", () => {
  it("is online when ComfyUI answers", () => {
    expect(processState(RUNNING, "online")).toBe("online");
  });

  it("is starting while PM2 runs it and it does not answer yet", () => {
    expect(processState({ ...RUNNING, online: false }, "starting")).toBe("starting");
  });

  it("is a crash loop while PM2 waits to restart it", () => {
    expect(processState({ ...RUNNING, status: "waiting restart", online: false }, "offline")).toBe("crashLooping");
  });

  it("is offline when stopped", () => {
    expect(processState({ ...RUNNING, status: "stopped", online: false, pid: null }, "offline")).toBe("offline");
  });
});

describe("fast option", () => {
  it("reads the bare flag as all", () => {
    expect(fastToChoices(true)).toEqual(["all"]);
  });

  it("keeps named optimizations", () => {
    expect(choicesToFast(["autotune", "fp16_accumulation"])).toEqual(["fp16_accumulation", "autotune"]);
  });

  it("turns an empty choice off", () => {
    expect(choicesToFast([])).toBe(false);
  });
});

describe("listensBeyondLocalhost", () => {
  it("is false for 127.0.0.1", () => {
    expect(listensBeyondLocalhost("127.0.0.1")).toBe(false);
  });

  it("is true for every interface", () => {
    expect(listensBeyondLocalhost("0.0.0.0")).toBe(true);
  });
});
