/** Who receives what: per-prompt events go to the queuing sid; progress is broadcast without a client_id. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { startSim, type SimHandle } from "./helpers/sim.js";
import { SocketRecorder } from "./helpers/socket.js";
import { postJson, txt2img, waitForHistory, waitForIdle } from "./helpers/workflow.js";

let sim: SimHandle;

beforeAll(async () => {
  sim = await startSim();
});

afterAll(async () => {
  await sim.stop();
});

const PER_PROMPT = ["execution_start", "execution_cached", "executing", "executed", "progress", "progress_state", "execution_success"];

describe("prompt queued with client_id A", () => {
  let typesA: string[];
  let typesB: string[];

  beforeAll(async () => {
    const socketA = await SocketRecorder.open(sim.url, "client-a");
    const socketB = await SocketRecorder.open(sim.url, "client-b");
    socketA.clear();
    socketB.clear();
    const result = await postJson(sim.url, "/prompt", { prompt: txt2img({ seed: 1 }), client_id: "client-a" });
    await socketA.waitFor((frame) => frame.type === "executing" && frame.data.node === null, "executing null on A");
    await waitForHistory(sim.url, String(result.body.prompt_id));
    typesA = socketA.types();
    typesB = socketB.types();
    socketA.close();
    socketB.close();
  });

  test.each(PER_PROMPT)("socket A receives %s", (type) => {
    expect(typesA).toContain(type);
  });

  test.each(PER_PROMPT)("socket B receives no %s", (type) => {
    expect(typesB).not.toContain(type);
  });

  test("socket B still receives status", () => {
    expect(typesB).toContain("status");
  });
});

describe("prompt without client_id", () => {
  let typesA: string[];
  let typesB: string[];

  beforeAll(async () => {
    await waitForIdle(sim.url);
    const socketA = await SocketRecorder.open(sim.url, "watch-a");
    const socketB = await SocketRecorder.open(sim.url, "watch-b");
    socketA.clear();
    socketB.clear();
    const result = await postJson(sim.url, "/prompt", { prompt: txt2img({ seed: 2 }) });
    await waitForHistory(sim.url, String(result.body.prompt_id));
    await socketB.waitFor((frame) => frame.type === "status" && JSON.stringify(frame.data).includes('"queue_remaining":0'), "idle status on B");
    typesA = socketA.types();
    typesB = socketB.types();
    socketA.close();
    socketB.close();
  });

  test("progress reaches every socket", () => {
    expect(typesA).toContain("progress");
    expect(typesB).toContain("progress");
  });

  test("progress_state reaches every socket", () => {
    expect(typesA).toContain("progress_state");
    expect(typesB).toContain("progress_state");
  });

  test.each(["execution_start", "execution_cached", "executing", "executed", "execution_success"])("no socket receives %s", (type) => {
    expect(typesA).not.toContain(type);
    expect(typesB).not.toContain(type);
  });
});

describe("interrupt of a prompt without client_id", () => {
  test("execution_interrupted is broadcast", async () => {
    await waitForIdle(sim.url);
    const socket = await SocketRecorder.open(sim.url, "bystander");
    const result = await postJson(sim.url, "/prompt", { prompt: txt2img({ seed: 3, steps: 200 }) });
    await socket.waitFor((frame) => frame.type === "progress", "first progress");
    await postJson(sim.url, "/interrupt", {});
    const interrupted = await socket.waitFor((frame) => frame.type === "execution_interrupted", "execution_interrupted");
    expect(interrupted.data.prompt_id).toBe(result.body.prompt_id);
    expect(socket.json().filter((frame) => frame.type === "executing")).toEqual([]);
    socket.close();
  });
});

describe("socket that reuses a sid", () => {
  test("closing the old socket silences the new one, as in ComfyUI", async () => {
    await waitForIdle(sim.url);
    const old = await SocketRecorder.open(sim.url, "shared");
    const fresh = await SocketRecorder.open(sim.url, "shared");
    old.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    fresh.clear();
    const result = await postJson(sim.url, "/prompt", { prompt: txt2img({ seed: 4 }), client_id: "shared" });
    await waitForHistory(sim.url, String(result.body.prompt_id));
    expect(fresh.types()).not.toContain("execution_start");
    fresh.close();
  });
});
