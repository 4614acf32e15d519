/** Checklist "WebSocket": greeting, feature flags, message order, caching, previews, interrupts and errors. */
import { randomUUID } from "node:crypto";
import { readdirSync } from "node:fs";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { nodeSections, framesOf } from "../helpers/sequence.js";
import { againstRealServer, startSim, startTarget, type Target } from "../helpers/sim.js";
import { SocketRecorder, type JsonFrame } from "../helpers/socket.js";
import { firstCheckpoint, getJson, postJson, txt2img, waitForHistory, waitForIdle } from "../helpers/workflow.js";

let target: Target;
let ckpt: string;
let seed = Math.floor(Math.random() * 1_000_000);

beforeAll(async () => {
  target = await startTarget();
  ckpt = await firstCheckpoint(target.url);
});

afterAll(async () => {
  await target.stop();
});

function nextSeed(): number {
  seed += 1;
  return seed;
}

async function runWithSocket(options: { clientId?: string; steps?: number; seedValue?: number } = {}): Promise<{ socket: SocketRecorder; promptId: string; frames: JsonFrame[] }> {
  await waitForIdle(target.url);
  const sid = options.clientId ?? `sid-${randomUUID()}`;
  const socket = await SocketRecorder.open(target.url, sid);
  socket.clear();
  const result = await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt, seed: options.seedValue ?? nextSeed(), steps: options.steps ?? 3 }), client_id: sid });
  const promptId = String(result.body.prompt_id);
  await socket.waitFor((frame) => frame.type === "executing" && frame.data.node === null && frame.data.prompt_id === promptId, "executing null");
  return { socket, promptId, frames: framesOf(socket.json(), promptId) };
}

describe("greeting", () => {
  test("clientId becomes the sid", async () => {
    const socket = await SocketRecorder.open(target.url, "abc");
    expect(socket.json()[0]?.data.sid).toBe("abc");
    socket.close();
  });

  test("without clientId the sid is 32 lowercase hex chars", async () => {
    const socket = await SocketRecorder.open(target.url);
    expect(String(socket.json()[0]?.data.sid)).toMatch(/^[0-9a-f]{32}$/);
    socket.close();
  });

  test("first feature_flags frame gets the server flags", async () => {
    const socket = await SocketRecorder.open(target.url, `ff-${randomUUID()}`);
    socket.socket.send(JSON.stringify({ type: "feature_flags", data: {} }));
    const reply = await socket.waitFor((frame) => frame.type === "feature_flags", "feature_flags reply");
    const { body } = await getJson(target.url, "/features");
    expect(reply.data).toEqual(body);
    socket.close();
  });

  test("a second feature_flags frame gets no reply", async () => {
    const socket = await SocketRecorder.open(target.url, `ff2-${randomUUID()}`);
    socket.socket.send(JSON.stringify({ type: "hello", data: {} }));
    socket.socket.send(JSON.stringify({ type: "feature_flags", data: {} }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(socket.types()).not.toContain("feature_flags");
    socket.close();
  });
});

describe("fresh run order", () => {
  test("frames follow ComfyUI's order", async () => {
    const { socket, frames } = await runWithSocket();
    const types = frames.map((frame) => frame.type);
    expect(types.slice(0, 4)).toEqual(["status", "status", "execution_start", "execution_cached"]);
    expect(types.slice(-3)).toEqual(["execution_success", "status", "executing"]);
    expect(nodeSections(frames.slice(4, -3))).toEqual(["4", "6", "7", "5", "3", "8", "9"]);
    socket.close();
  });

  test("final status reports an empty queue", async () => {
    const { socket, frames } = await runWithSocket();
    expect(frames.at(-2)?.data).toEqual({ status: { exec_info: { queue_remaining: 0 } } });
    socket.close();
  });

  test("executed image matches history and /view returns a PNG", async () => {
    const { socket, promptId, frames } = await runWithSocket();
    const executed = frames.find((frame) => frame.type === "executed");
    const image = (executed?.data.output as { images: Array<Record<string, string>> }).images[0];
    const entry = await waitForHistory(target.url, promptId);
    const historyImage = (entry.outputs as Record<string, { images: unknown[] }>)["9"]?.images[0];
    expect(historyImage).toEqual(image);
    const response = await fetch(`${target.url}/view?filename=${image?.filename ?? ""}&subfolder=${image?.subfolder ?? ""}&type=${image?.type ?? ""}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    socket.close();
  });
});

describe("identical re-run", () => {
  let first: JsonFrame[];
  let second: JsonFrame[];
  let filesBefore = 0;
  let filesAfter = 0;

  beforeAll(async () => {
    const fixedSeed = nextSeed();
    const outputDir = target.sim === null ? null : path.join(target.sim.baseDir, "output");
    const firstRun = await runWithSocket({ seedValue: fixedSeed });
    first = firstRun.frames;
    firstRun.socket.close();
    filesBefore = outputDir === null ? 0 : readdirSync(outputDir).length;
    const secondRun = await runWithSocket({ seedValue: fixedSeed });
    second = secondRun.frames;
    secondRun.socket.close();
    filesAfter = outputDir === null ? 0 : readdirSync(outputDir).length;
  });

  test("execution_cached lists every node", () => {
    const cached = second.find((frame) => frame.type === "execution_cached");
    expect([...(cached?.data.nodes as string[])].sort()).toEqual(["3", "4", "5", "6", "7", "8", "9"]);
  });

  test("no executing frame names a node", () => {
    expect(second.filter((frame) => frame.type === "executing" && frame.data.node !== null)).toEqual([]);
  });

  test("executed still arrives for node 9 with the same file", () => {
    const firstExecuted = first.find((frame) => frame.type === "executed");
    const secondExecuted = second.find((frame) => frame.type === "executed");
    expect(secondExecuted?.data.node).toBe("9");
    expect(secondExecuted?.data.output).toEqual(firstExecuted?.data.output);
  });

  test("no new file is written", ({ skip }) => {
    if (target.sim === null) {
      skip("needs the output folder of the server");
      return;
    }
    expect(filesAfter).toBe(filesBefore);
  });

  test("run ends with success, status and executing null", () => {
    expect(second.map((frame) => frame.type).slice(-3)).toEqual(["execution_success", "status", "executing"]);
  });
});

describe("prompt without client_id", () => {
  test("socket sees progress but no per-prompt events", async () => {
    await waitForIdle(target.url);
    const socket = await SocketRecorder.open(target.url, `watcher-${randomUUID()}`);
    socket.clear();
    const result = await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt, seed: nextSeed() }) });
    await waitForHistory(target.url, String(result.body.prompt_id));
    await socket.waitFor((frame) => frame.type === "status" && (frame.data.status as { exec_info: { queue_remaining: number } }).exec_info.queue_remaining === 0, "idle status");
    const types = new Set(socket.types());
    expect(types.has("progress")).toBe(true);
    expect(types.has("progress_state")).toBe(true);
    expect(types.has("execution_start")).toBe(false);
    expect(types.has("executing")).toBe(false);
    expect(types.has("executed")).toBe(false);
    socket.close();
  });
});

describe("previews", () => {
  test("legacy frames carry the 8-byte JPEG header", async ({ skip }) => {
    if (againstRealServer()) {
      skip("needs a server started with --preview-method latent2rgb");
      return;
    }
    const sim = await startSim({ args: ["--preview-method", "latent2rgb"] });
    try {
      const socket = await SocketRecorder.open(sim.url, "legacy");
      const result = await postJson(sim.url, "/prompt", { prompt: txt2img({ steps: 2 }), client_id: "legacy" });
      await socket.waitFor((frame) => frame.type === "executing" && frame.data.node === null && frame.data.prompt_id === result.body.prompt_id, "executing null");
      const frame = socket.binaries()[0] ?? Buffer.alloc(0);
      expect(frame.subarray(0, 8).equals(Buffer.from([0, 0, 0, 1, 0, 0, 0, 1]))).toBe(true);
      expect(frame.subarray(8, 10).equals(Buffer.from([0xff, 0xd8]))).toBe(true);
      socket.close();
    } finally {
      await sim.stop();
    }
  });

  test("metadata frames follow supports_preview_metadata", async ({ skip }) => {
    if (againstRealServer()) {
      skip("needs a server started with --preview-method latent2rgb");
      return;
    }
    const sim = await startSim({ args: ["--preview-method", "latent2rgb"] });
    try {
      const socket = await SocketRecorder.open(sim.url, "meta");
      socket.socket.send(JSON.stringify({ type: "feature_flags", data: { supports_preview_metadata: true } }));
      await socket.waitFor((frame) => frame.type === "feature_flags", "feature_flags reply");
      const result = await postJson(sim.url, "/prompt", { prompt: txt2img({ steps: 2 }), client_id: "meta" });
      await socket.waitFor((frame) => frame.type === "executing" && frame.data.node === null && frame.data.prompt_id === result.body.prompt_id, "executing null");
      const frame = socket.binaries()[0] ?? Buffer.alloc(0);
      const length = frame.readUInt32BE(4);
      const metadata = JSON.parse(frame.subarray(8, 8 + length).toString("utf8")) as Record<string, unknown>;
      expect(frame.readUInt32BE(0)).toBe(4);
      expect(metadata.image_type).toBe("image/jpeg");
      expect(metadata.prompt_id).toBe(result.body.prompt_id);
      socket.close();
    } finally {
      await sim.stop();
    }
  });

  test("no binary frames without a preview method", async ({ skip }) => {
    if (againstRealServer()) {
      skip("the real server's preview method is unknown");
      return;
    }
    const { socket, frames } = await runWithSocket();
    expect(frames.length).toBeGreaterThan(0);
    expect(socket.binaries()).toEqual([]);
    socket.close();
  });
});

describe("interrupt", () => {
  let frames: JsonFrame[];
  let entry: Record<string, unknown>;

  beforeAll(async () => {
    await waitForIdle(target.url);
    const sid = `int-${randomUUID()}`;
    const socket = await SocketRecorder.open(target.url, sid);
    socket.clear();
    const result = await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt, seed: nextSeed(), steps: 200 }), client_id: sid });
    const promptId = String(result.body.prompt_id);
    await socket.waitFor((frame) => frame.type === "progress", "first progress");
    await postJson(target.url, "/interrupt", {});
    await socket.waitFor((frame) => frame.type === "executing" && frame.data.node === null, "executing null");
    frames = framesOf(socket.json(), promptId);
    entry = await waitForHistory(target.url, promptId);
    socket.close();
  });

  test("execution_interrupted names the KSampler", () => {
    const interrupted = frames.find((frame) => frame.type === "execution_interrupted");
    expect(interrupted?.data.node_id).toBe("3");
    expect(interrupted?.data.node_type).toBe("KSampler");
  });

  test("interrupted run ends with status and executing null", () => {
    expect(frames.map((frame) => frame.type).slice(-3)).toEqual(["execution_interrupted", "status", "executing"]);
  });

  test("history marks the run as an error", () => {
    const status = entry.status as { status_str: string; completed: boolean; messages: Array<[string, unknown]> };
    expect(status.status_str).toBe("error");
    expect(status.completed).toBe(false);
    expect(status.messages.at(-1)?.[0]).toBe("execution_interrupted");
  });
});

describe("interrupt by id and queue delete", () => {
  test("interrupt with another prompt's id leaves the running one alone", async () => {
    await waitForIdle(target.url);
    const sid = `other-${randomUUID()}`;
    const socket = await SocketRecorder.open(target.url, sid);
    const running = await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt, seed: nextSeed(), steps: 15 }), client_id: sid });
    await socket.waitFor((frame) => frame.type === "progress", "first progress");
    await postJson(target.url, "/interrupt", { prompt_id: randomUUID() });
    const end = await socket.waitFor((frame) => ["execution_success", "execution_interrupted"].includes(frame.type) && frame.data.prompt_id === running.body.prompt_id, "end of run");
    expect(end.type).toBe("execution_success");
    socket.close();
  });

  test("deleting a pending item removes it and broadcasts status", async () => {
    await waitForIdle(target.url);
    const sid = `del-${randomUUID()}`;
    const socket = await SocketRecorder.open(target.url, sid);
    await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt, seed: nextSeed(), steps: 200 }), client_id: sid });
    await socket.waitFor((frame) => frame.type === "progress", "first progress");
    const pending = await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt, seed: nextSeed() }) });
    socket.clear();
    await postJson(target.url, "/queue", { delete: [pending.body.prompt_id] });
    const status = await socket.waitFor((frame) => frame.type === "status", "status after delete");
    const { body } = await getJson<{ queue_pending: unknown[] }>(target.url, "/queue");
    expect(body.queue_pending).toEqual([]);
    expect(status.data).toEqual({ status: { exec_info: { queue_remaining: 1 } } });
    await postJson(target.url, "/interrupt", {});
    socket.close();
  });
});

describe("error run", () => {
  test("a raising node sends execution_error and history ends with it", async ({ skip }) => {
    if (againstRealServer()) {
      skip("needs the simulator's failure seed");
      return;
    }
    const { socket, promptId, frames } = await runWithSocket({ seedValue: 13013013 });
    const error = frames.find((frame) => frame.type === "execution_error");
    expect(error?.data.node_id).toBe("3");
    expect(error?.data.node_type).toBe("KSampler");
    expect(error?.data.exception_type).toBe("torch.OutOfMemoryError");
    expect(Array.isArray(error?.data.traceback)).toBe(true);
    const entry = await waitForHistory(target.url, promptId);
    expect((entry.status as { messages: Array<[string]> }).messages.at(-1)?.[0]).toBe("execution_error");
    socket.close();
  });

  test("error run order skips execution_success", async ({ skip }) => {
    if (againstRealServer()) {
      skip("needs the simulator's failure seed");
      return;
    }
    const { socket, frames } = await runWithSocket({ seedValue: 13013013 });
    const types = frames.map((frame) => frame.type);
    expect(types.slice(-3)).toEqual(["execution_error", "status", "executing"]);
    expect(types).not.toContain("execution_success");
    socket.close();
  });
});
