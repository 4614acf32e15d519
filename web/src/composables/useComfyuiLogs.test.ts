import { flushPromises } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { effectScope, shallowRef } from "vue";

import { useLiveStore } from "../stores/liveStore";
import { stubCommands } from "./testing/commandStub";
import { useComfyuiLogs } from "./useComfyuiLogs";

const ID = "studio-4090";

function logFrame(lines: string[], source = "comfyui", instance = ID): string {
  return JSON.stringify({ type: "event", instance_id: instance, event: { kind: "log", at: "2026-02-18T09:00:00.000Z", source, level: "info", lines } });
}

function numbered(from: number, count: number) {
  return Array.from({ length: count }, (_, index) => ({ n: from + index, text: `line ${from + index}` }));
}

/**
 * ComfyUI's log as the reporter serves it: numbered lines, tail and older. `emit` appends lines
 * and sends them as events unless the socket is down; `duringTail` runs while a tail is in flight.
 */
function fakeLog(initial: number) {
  const file = numbered(0, initial);
  const log = {
    file,
    connected: true,
    duringTail: (): void => undefined,
    write(count: number): string[] {
      const added = numbered(file.length, count);
      file.push(...added);
      return added.map((line) => line.text);
    },
    deliver(texts: string[]): void {
      if (log.connected && texts.length > 0) {
        useLiveStore().receiveFrame(ID, logFrame(texts));
      }
    },
    emit(count: number): void {
      for (let left = count; left > 0; left -= 500) {
        log.deliver(log.write(Math.min(500, left)));
      }
    },
  };
  stubCommands({
    "comfyui.logs.tail": (args) => {
      log.duringTail();
      const count = Number(args.lines);
      return { lines: file.slice(Math.max(0, file.length - count)), total: file.length };
    },
    "comfyui.logs.older": (args) => {
      const before = Number(args.before);
      return { lines: file.slice(Math.max(0, before - Number(args.lines)), before) };
    },
  });
  return log;
}

describe("useComfyuiLogs", () => {
  let scope = effectScope();

  beforeEach(() => {
    setActivePinia(createPinia());
    scope = effectScope();
  });

  afterEach(() => {
    scope.stop();
  });

  function start(live = shallowRef(true)) {
    const logs = scope.run(() => useComfyuiLogs(ID, { live, schedule: (flush) => flush() }));
    if (logs === undefined) {
      throw new Error("effect scope is stopped");
    }
    return logs;
  }

  it("shows the tail and asks to follow", async () => {
    const sent = stubCommands({ "comfyui.logs.tail": () => ({ lines: numbered(90, 10), total: 100 }) });
    const logs = start();
    await logs.load();
    expect(logs.lines.value.map((line) => line.n)).toEqual(numbered(90, 10).map((line) => line.n));
    expect(sent[0]?.args).toEqual({ lines: 500, follow: true, follow_s: 300 });
  });

  it("appends ComfyUI log events numbered after the tail", async () => {
    stubCommands({ "comfyui.logs.tail": () => ({ lines: numbered(90, 10), total: 100 }) });
    const logs = start();
    await logs.load();

    useLiveStore().receiveFrame(ID, logFrame(["new a", "new b"]));
    expect(logs.lines.value.slice(-2)).toEqual([
      { n: 100, text: "new a" },
      { n: 101, text: "new b" },
    ]);
  });

  it("ignores other sources and instances", async () => {
    stubCommands({ "comfyui.logs.tail": () => ({ lines: numbered(0, 3), total: 3 }) });
    const logs = start();
    await logs.load();

    useLiveStore().receiveFrame(ID, logFrame(["rclone says hi"], "sync"));
    useLiveStore().receiveFrame(ID, logFrame(["other box"], "comfyui", "other-box"));
    expect(logs.lines.value).toHaveLength(3);
  });

  it("keeps lines that arrive before the tail", async () => {
    stubCommands({ "comfyui.logs.tail": () => ({ lines: numbered(0, 2), total: 2 }) });
    const logs = start();

    const pending = logs.load();
    useLiveStore().receiveFrame(ID, logFrame(["early"]));
    await pending;
    expect(logs.lines.value.at(-1)).toEqual({ n: 2, text: "early" });
  });

  it("puts older lines in front", async () => {
    const sent = stubCommands({
      "comfyui.logs.tail": () => ({ lines: numbered(500, 10), total: 510 }),
      "comfyui.logs.older": () => ({ lines: numbered(0, 500) }),
    });
    const logs = start();
    await logs.load();
    await logs.loadOlder();

    expect(sent[1]?.args).toEqual({ before: 500, lines: 500 });
    expect(logs.lines.value).toHaveLength(510);
    expect(logs.prepended.value).toBe(500);
    expect(logs.atStart.value).toBe(true);
  });

  it("keeps every line once, in order, across a reconnect in the middle of a burst", async () => {
    const log = fakeLog(100);
    const live = shallowRef(true);
    const logs = start(live);
    await logs.load();
    log.emit(200);

    live.value = false;
    await flushPromises();
    log.connected = false;
    log.emit(3000);
    log.connected = true;
    // The follower sends lines the tail also returns while the tail is on its way.
    log.duringTail = () => {
      log.deliver(log.file.slice(-30).map((line) => line.text));
      log.emit(50);
    };
    live.value = true;
    await flushPromises();
    log.duringTail = () => undefined;
    log.emit(100);

    expect(logs.lines.value).toEqual(log.file);
  });

  it("leaves out event lines the tail already returned", async () => {
    const log = fakeLog(10);
    log.duringTail = () => log.deliver(log.file.slice(-4).map((line) => line.text));
    const logs = start();
    await logs.load();

    expect(logs.lines.value).toEqual(log.file);
  });

  it("finds lines lost on the reporter's link once events go quiet", async () => {
    vi.useFakeTimers();
    try {
      const log = fakeLog(20);
      const logs = start();
      await logs.load();
      log.connected = false;
      log.emit(40);
      log.connected = true;
      log.emit(5);

      await vi.advanceTimersByTimeAsync(2000);
      expect(logs.lines.value).toEqual(log.file);
    } finally {
      vi.useRealTimers();
    }
  });

  it("confirms the lines it numbered itself after the check", async () => {
    vi.useFakeTimers();
    try {
      const log = fakeLog(20);
      const logs = start();
      await logs.load();
      log.emit(5);

      await vi.advanceTimersByTimeAsync(2000);
      expect(logs.confirmed.value).toBe(25);
    } finally {
      vi.useRealTimers();
    }
  });

  it("reloads the tail when the link comes back", async () => {
    const sent = stubCommands({ "comfyui.logs.tail": () => ({ lines: [], total: 0 }) });
    const live = shallowRef(true);
    const logs = start(live);
    await logs.load();

    live.value = false;
    await flushPromises();
    live.value = true;
    await flushPromises();
    expect(sent.filter((command) => command.name === "comfyui.logs.tail")).toHaveLength(2);
  });
});
