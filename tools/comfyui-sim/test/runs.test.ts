/** Exact message orders of interrupted, failed and cached runs, and the log output of a sampler. */
import { randomUUID } from "node:crypto";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { framesOf, nodeSections } from "./helpers/sequence.js";
import { startSim, type SimHandle } from "./helpers/sim.js";
import { SocketRecorder, type JsonFrame } from "./helpers/socket.js";
import { getJson, postJson, txt2img, waitForIdle, type Prompt } from "./helpers/workflow.js";

let sim: SimHandle;

beforeAll(async () => {
  sim = await startSim();
});

afterAll(async () => {
  await sim.stop();
});

async function run(prompt: Prompt, interruptAfterProgress = false): Promise<JsonFrame[]> {
  await waitForIdle(sim.url);
  const sid = `runs-${randomUUID()}`;
  const socket = await SocketRecorder.open(sim.url, sid);
  socket.clear();
  const result = await postJson(sim.url, "/prompt", { prompt, client_id: sid });
  if (interruptAfterProgress) {
    await socket.waitFor((frame) => frame.type === "progress", "first progress");
    await postJson(sim.url, "/interrupt", { prompt_id: result.body.prompt_id });
  }
  await socket.waitFor((frame) => frame.type === "executing" && frame.data.node === null, "executing null");
  socket.close();
  return framesOf(socket.json(), String(result.body.prompt_id));
}

describe("interrupted run", () => {
  let frames: JsonFrame[];

  beforeAll(async () => {
    frames = await run(txt2img({ seed: 11, steps: 300 }), true);
  });

  test("runs the loaders and stops in the sampler", () => {
    const types = frames.map((frame) => frame.type);
    const interruptedAt = types.indexOf("execution_interrupted");
    expect(types.slice(0, 4)).toEqual(["status", "status", "execution_start", "execution_cached"]);
    expect(frames.slice(4, interruptedAt).filter((frame) => frame.type === "executing").map((frame) => frame.data.node)).toEqual(["4", "6", "7", "5", "3"]);
  });

  test("ends with interrupted, status and executing null", () => {
    expect(frames.map((frame) => frame.type).slice(-3)).toEqual(["execution_interrupted", "status", "executing"]);
  });

  test("interrupted message lists the nodes that ran", () => {
    const interrupted = frames.find((frame) => frame.type === "execution_interrupted");
    expect(interrupted?.data.executed).toEqual(["4", "6", "7", "5"]);
  });
});

describe("failed run", () => {
  let frames: JsonFrame[];

  beforeAll(async () => {
    frames = await run(txt2img({ seed: 12, text: "please sim:fail here" }));
  });

  test("fails at the node whose input asks for it", () => {
    const error = frames.find((frame) => frame.type === "execution_error");
    expect(error?.data.node_id).toBe("6");
    expect(error?.data.exception_type).toBe("RuntimeError");
  });

  test("error message ends with a newline", () => {
    const error = frames.find((frame) => frame.type === "execution_error");
    expect(String(error?.data.exception_message).endsWith("\n")).toBe(true);
  });

  test("current_inputs holds the formatted inputs", () => {
    const error = frames.find((frame) => frame.type === "execution_error");
    const inputs = error?.data.current_inputs as Record<string, unknown[]>;
    expect(inputs.text).toEqual(["please sim:fail here"]);
    expect(String(inputs.clip?.[0])).toMatch(/^<comfy\.sd\.CLIP object at 0x[0-9a-f]+>$/);
  });

  test("stops after the failing node's executing frame", () => {
    const types = frames.map((frame) => frame.type);
    expect(types.slice(-3)).toEqual(["execution_error", "status", "executing"]);
    expect(frames[types.indexOf("execution_error") - 1]?.type).toBe("executing");
  });
});

describe("cached nodes on a changed seed", () => {
  test("only the sampler and its dependents run again", async () => {
    await run(txt2img({ seed: 21 }));
    const frames = await run(txt2img({ seed: 22 }));
    const cached = frames.find((frame) => frame.type === "execution_cached");
    // JSON.stringify puts integer-like keys in ascending order, so that is the prompt key order.
    expect(cached?.data.nodes).toEqual(["4", "5", "6", "7"]);
    expect(nodeSections(frames.slice(4, -3))).toEqual(["3", "8", "9"]);
  });

  test("free_memory clears the cache", async () => {
    await run(txt2img({ seed: 31 }));
    await postJson(sim.url, "/free", { free_memory: true });
    const frames = await run(txt2img({ seed: 31 }));
    const cached = frames.find((frame) => frame.type === "execution_cached");
    expect(cached?.data.nodes).toEqual([]);
  });
});

describe("sampler log lines", () => {
  test("tqdm lines reach stderr with carriage returns", async () => {
    await run(txt2img({ seed: 41, steps: 4 }));
    expect(sim.stderr()).toContain("\r100%|██████████| 4/4 [");
    expect(sim.stderr()).toContain("\r 25%|██▌       | 1/4 [");
  });

  test("the log buffer keeps one entry per progress bar", async () => {
    await run(txt2img({ seed: 42, steps: 5 }));
    const { body } = await getJson<{ entries: Array<{ m: string }> }>(sim.url, "/internal/logs/raw");
    const bars = body.entries.filter((entry) => entry.m.includes("5/5 ["));
    const partial = body.entries.filter((entry) => entry.m.includes("3/5 ["));
    expect(bars).toHaveLength(1);
    expect(partial).toEqual([]);
  });

  test("log subscribers receive logs frames", async () => {
    const socket = await SocketRecorder.open(sim.url, "log-reader");
    const response = await fetch(`${sim.url}/internal/logs/subscribe`, { method: "PATCH", body: JSON.stringify({ clientId: "log-reader", enabled: true }) });
    expect(response.status).toBe(200);
    await postJson(sim.url, "/prompt", { prompt: txt2img({ seed: 43 }) });
    const logs = await socket.waitFor((frame) => frame.type === "logs" && JSON.stringify(frame.data).includes("got prompt"), "logs frame with got prompt");
    expect(logs.data.size).toBeNull();
    socket.close();
  });
});
