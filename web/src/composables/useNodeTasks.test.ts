import { flushPromises } from "@vue/test-utils";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { effectScope } from "vue";

import { stubCommands } from "./testing/commandStub";
import { TASK_POLL_MS, useNodeTasks } from "./useNodeTasks";

const RUNNING = { ui_id: "cc-install-1", action: "install", target: "sim-alpha", state: "running", message: null };

describe("useNodeTasks", () => {
  let scope = effectScope();

  beforeEach(() => {
    vi.useFakeTimers();
    scope = effectScope();
  });

  afterEach(() => {
    scope.stop();
    vi.useRealTimers();
  });

  function start(onSettled = vi.fn()) {
    const tasks = scope.run(() => useNodeTasks("studio-4090", onSettled));
    if (tasks === undefined) {
      throw new Error("effect scope is stopped");
    }
    return tasks;
  }

  it("polls every second while Manager is busy", async () => {
    const sent = stubCommands({ "nodes.tasks": () => ({ tasks: [RUNNING], busy: true }) });
    start().kick();
    await flushPromises();

    await vi.advanceTimersByTimeAsync(TASK_POLL_MS * 3);
    expect(sent).toHaveLength(4);
  });

  it("stops polling and reports when the queue empties", async () => {
    let busy = true;
    const sent = stubCommands({ "nodes.tasks": () => ({ tasks: [{ ...RUNNING, state: busy ? "running" : "done" }], busy }) });
    const onSettled = vi.fn();
    const tasks = start(onSettled);
    tasks.kick();
    await flushPromises();

    busy = false;
    await vi.advanceTimersByTimeAsync(TASK_POLL_MS * 5);
    expect(sent).toHaveLength(2);
    expect(onSettled).toHaveBeenCalledOnce();
    expect(tasks.byTarget.value.get("sim-alpha")?.state).toBe("done");
  });
});
