import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { endSurvivors, runChild, startTicks } from "../../src/deploy/children.js";
import type { ChildResult } from "../../src/deploy/children.js";
import { DeployStore } from "../../src/deploy/store.js";
import { pollUntil } from "../comfyui-control/helpers/poll.js";

let root: string;
let store: DeployStore;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "cc-deploy-children-"));
  store = new DeployStore(join(root, "deploy.sqlite"));
});

afterAll(async () => {
  store.close();
  await rm(root, { recursive: true, force: true });
});

describe("deploy children", () => {
  it("records a running child and forgets it after exit", async () => {
    const result = await runChild(store, "sh", ["-c", "echo one; echo two >&2"], { cwd: root, stepId: "comfyui", onLine: () => undefined, signal: new AbortController().signal });

    expect(result.exitCode).toBe(0);
    expect(result.tail).toEqual(expect.arrayContaining(["one", "two"]));
    expect(store.children()).toEqual([]);
  });

  it("ends a child group left by an earlier reporter", async () => {
    // The child starts a grandchild in its group, as pip starts a build backend.
    const running: Promise<ChildResult> = runChild(store, "sh", ["-c", "sleep 60 & wait"], { cwd: root, stepId: "custom_nodes", onLine: () => undefined, signal: new AbortController().signal });
    const [recorded] = await pollUntil("the child to be recorded", () => Promise.resolve(store.children()), (children) => children.length === 1);

    // A second store on the same file stands for the next reporter after a kill -9.
    const next = new DeployStore(join(root, "deploy.sqlite"));
    const ended = await endSurvivors(next, pino({ level: "silent" }));
    next.close();
    const result = await running;

    expect(ended).toEqual([recorded?.pid]);
    expect(result.signal).toBe("SIGTERM");
    expect(await startTicks(recorded?.pid ?? 0)).toBeNull();
  });

  it("leaves a recorded pid alone when a new process reuses it", async () => {
    store.recordChild({ pid: process.pid, startTicks: "1", stepId: "comfyui", command: "old pip" });

    const ended = await endSurvivors(store, pino({ level: "silent" }));

    expect(ended).toEqual([]);
    expect(store.children()).toEqual([]);
  });
});
