/** Checklist "History and queue": running items, history entries, deletion and the jobs API. */
import { randomUUID } from "node:crypto";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { againstRealServer, startTarget, type Target } from "../helpers/sim.js";
import { SocketRecorder } from "../helpers/socket.js";
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

describe("while running", () => {
  let running: unknown[];
  let historyWhileRunning: Record<string, unknown>;
  let promptId: string;
  const sid = `run-${randomUUID()}`;

  beforeAll(async () => {
    await waitForIdle(target.url);
    const socket = await SocketRecorder.open(target.url, sid);
    const result = await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt, seed: (seed += 1), steps: 200 }), client_id: sid });
    promptId = String(result.body.prompt_id);
    await socket.waitFor((frame) => frame.type === "progress", "first progress");
    const { body } = await getJson<{ queue_running: unknown[][] }>(target.url, "/queue");
    running = body.queue_running[0] ?? [];
    historyWhileRunning = (await getJson(target.url, `/history/${promptId}`)).body;
    await postJson(target.url, "/interrupt", {});
    await waitForHistory(target.url, promptId);
    socket.close();
  });

  test("queue shows a 5-element item", () => {
    expect(running).toHaveLength(5);
  });

  test("queued item carries the client id in extra_data", () => {
    expect((running[3] as Record<string, unknown>).client_id).toBe(sid);
  });

  test("queued item carries the prompt id", () => {
    expect(running[1]).toBe(promptId);
  });

  test("history is empty until the end", () => {
    expect(historyWhileRunning).toEqual({});
  });
});

describe("after a run", () => {
  let entry: Record<string, unknown>;
  let promptId: string;

  beforeAll(async () => {
    await waitForIdle(target.url);
    const result = await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt, seed: (seed += 1) }), client_id: "someone" });
    promptId = String(result.body.prompt_id);
    entry = await waitForHistory(target.url, promptId);
  });

  test("status messages are start, cached and success", () => {
    const messages = (entry.status as { messages: Array<[string, Record<string, unknown>]> }).messages;
    expect(messages.map(([event]) => event)).toEqual(["execution_start", "execution_cached", "execution_success"]);
  });

  test("each status message has an int timestamp", () => {
    const messages = (entry.status as { messages: Array<[string, Record<string, unknown>]> }).messages;
    for (const [, data] of messages) {
      expect(Number.isInteger(data.timestamp)).toBe(true);
    }
  });

  test("meta names node 9", () => {
    expect((entry.meta as Record<string, { node_id: string }>)["9"]?.node_id).toBe("9");
  });

  test("history status is success and completed", () => {
    expect(entry.status).toMatchObject({ status_str: "success", completed: true });
  });

  test("history list includes the entry", async () => {
    const { body } = await getJson(target.url, "/history?max_items=1");
    expect(Object.keys(body)).toEqual([promptId]);
  });

  test("deleting the entry empties it", async () => {
    await postJson(target.url, "/history", { delete: [promptId] });
    const { body } = await getJson(target.url, `/history/${promptId}`);
    expect(body).toEqual({});
  });
});

describe("restart", () => {
  test("a restart empties history and queue", async ({ skip }) => {
    if (againstRealServer()) {
      skip("cannot restart a real server from the suite");
      return;
    }
    const first = await startTarget();
    const result = await postJson(first.url, "/prompt", { prompt: txt2img() });
    await waitForHistory(first.url, String(result.body.prompt_id));
    const baseDir = first.sim?.baseDir;
    first.sim?.child.kill("SIGKILL");
    await first.sim?.exited;
    const second = await startTarget(baseDir === undefined ? {} : { baseDir });
    try {
      const { body } = await getJson(second.url, "/history");
      expect(body).toEqual({});
    } finally {
      await second.stop();
      await first.stop();
    }
  });
});

describe("jobs API", () => {
  test("bogus status is 400 listing valid values", async () => {
    const { status, body } = await getJson<{ error: string }>(target.url, "/api/jobs?status=bogus");
    expect(status).toBe(400);
    expect(body.error).toBe("Invalid status value(s): bogus. Valid values: pending, in_progress, completed, failed, cancelled");
  });

  test("a finished prompt is a completed job with a preview", async () => {
    await waitForIdle(target.url);
    const result = await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt, seed: (seed += 1) }) });
    const promptId = String(result.body.prompt_id);
    await waitForHistory(target.url, promptId);
    const { body } = await getJson<{ jobs: Array<Record<string, unknown>> }>(target.url, "/api/jobs?status=completed");
    const job = body.jobs.find((candidate) => candidate.id === promptId);
    expect(job?.status).toBe("completed");
    expect(job?.outputs_count).toBe(1);
    expect(job?.preview_output).toMatchObject({ nodeId: "9", mediaType: "images" });
  });

  test("unknown job is 404", async () => {
    const { status, body } = await getJson(target.url, `/api/jobs/${randomUUID()}`);
    expect(status).toBe(404);
    expect(body).toEqual({ error: "Job not found" });
  });

  test("bare /jobs does not exist", async () => {
    const response = await fetch(`${target.url}/jobs`);
    expect(response.status).toBe(404);
  });

  test("pagination reports the total", async () => {
    const { body } = await getJson<{ pagination: { total: number; limit: number | null; has_more: boolean } }>(target.url, "/api/jobs?limit=1");
    expect(body.pagination.limit).toBe(1);
    expect(body.pagination.has_more).toBe(body.pagination.total > 1);
  });

  test("an interrupted prompt is a cancelled job", async () => {
    await waitForIdle(target.url);
    const sid = `cancel-${randomUUID()}`;
    const socket = await SocketRecorder.open(target.url, sid);
    const result = await postJson(target.url, "/prompt", { prompt: txt2img({ ckpt, seed: (seed += 1), steps: 200 }), client_id: sid });
    await socket.waitFor((frame) => frame.type === "progress", "first progress");
    await postJson(target.url, "/interrupt", { prompt_id: result.body.prompt_id });
    await waitForHistory(target.url, String(result.body.prompt_id));
    const { body } = await getJson<Record<string, unknown>>(target.url, `/api/jobs/${String(result.body.prompt_id)}`);
    expect(body.status).toBe("cancelled");
    socket.close();
  });
});
