import { afterEach, describe, expect, it } from "vitest";

import type { ProtocolEvent } from "@comfycarry/shared";

import { ComfyuiBridge } from "../../src/comfyui/bridge.js";
import { ComfyuiHttp } from "../../src/comfyui/http.js";
import { QUEUED_PROMPT_SOURCE, queuedPromptFrame } from "../../src/comfyui/queued-prompt.js";
import { historyEntrySchema, queueSchema } from "../../src/comfyui/schemas.js";
import type { HistoryEntry, Queue } from "../../src/comfyui/schemas.js";
import { createRootLogger } from "../../src/log/logger.js";
import { waitFor } from "../helpers/fake-edge.js";

// The bridge with a stand-in for ComfyUI's HTTP routes whose responses the test releases,
// fed frames in the order ComfyUI sends them to the queuing socket, so the graph arrives
// after the prompt's first frames.

const log = createRootLogger({ level: "silent" });
const PROMPT = "0b7c4f6e-3d2a-4e8f-9a1b-2c3d4e5f6a7b";
const GRAPH = {
  "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "v1-5-pruned-emaonly.safetensors" } },
  "6": { class_type: "CLIPTextEncode", inputs: { text: "a cat", clip: ["4", 1] } },
  "7": { class_type: "CLIPTextEncode", inputs: { text: "", clip: ["4", 1] } },
  "5": { class_type: "EmptyLatentImage", inputs: { width: 512, height: 512, batch_size: 1 } },
  "3": { class_type: "KSampler", inputs: { seed: 1, steps: 2, model: ["4", 0], positive: ["6", 0], negative: ["7", 0], latent_image: ["5", 0] } },
  "8": { class_type: "VAEDecode", inputs: { samples: ["3", 0], vae: ["4", 2] } },
  "9": { class_type: "SaveImage", inputs: { filename_prefix: "ComfyUI", images: ["8", 0] } },
};
const CLASSES = new Map(Object.entries(GRAPH).map(([node, { class_type }]) => [node, class_type]));

/** Frames of a fresh two-step run as ComfyUI v0.3.64 sends them to the socket that queued it. */
const RECORDED = [
  '{"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 1}}}}',
  `{"type": "execution_start", "data": {"prompt_id": "${PROMPT}", "timestamp": 1760263200130}}`,
  `{"type": "execution_cached", "data": {"nodes": [], "prompt_id": "${PROMPT}", "timestamp": 1760263200135}}`,
  ...["4", "6", "7", "5"].map((node) => `{"type": "executing", "data": {"node": "${node}", "display_node": "${node}", "prompt_id": "${PROMPT}"}}`),
  `{"type": "executing", "data": {"node": "3", "display_node": "3", "prompt_id": "${PROMPT}"}}`,
  `{"type": "progress_state", "data": {"prompt_id": "${PROMPT}", "nodes": {}}}`,
  `{"type": "progress", "data": {"value": 1, "max": 2, "prompt_id": "${PROMPT}", "node": "3"}}`,
  `{"type": "progress", "data": {"value": 2, "max": 2, "prompt_id": "${PROMPT}", "node": "3"}}`,
  `{"type": "executing", "data": {"node": "8", "display_node": "8", "prompt_id": "${PROMPT}"}}`,
  `{"type": "executing", "data": {"node": "9", "display_node": "9", "prompt_id": "${PROMPT}"}}`,
  `{"type": "executed", "data": {"node": "9", "display_node": "9", "output": {"images": [{"filename": "ComfyUI_00001_.png", "subfolder": "", "type": "output"}]}, "prompt_id": "${PROMPT}"}}`,
  `{"type": "execution_success", "data": {"prompt_id": "${PROMPT}", "timestamp": 1760263204410}}`,
  '{"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 0}}}}',
  `{"type": "executing", "data": {"node": null, "prompt_id": "${PROMPT}"}}`,
];

const EXPECTED_KINDS = [
  "comfyui.execution_start",
  ...Array.from({ length: 5 }, () => "comfyui.executing"),
  "comfyui.progress",
  "comfyui.progress",
  "comfyui.executing",
  "comfyui.executing",
  "comfyui.executed",
  "comfyui.execution_success",
];

function queueOf(running: string[]): Queue {
  return queueSchema.parse({ queue_running: running.map((id, index) => [index, id, GRAPH, { client_id: "abc" }, ["9"]]), queue_pending: [] });
}

/** ComfyUI's HTTP routes as the bridge reads them; /queue responses wait until `answerQueue`. */
class HeldHttp extends ComfyuiHttp {
  queueReads = 0;
  running: string[] = [PROMPT];
  historyAnswer: HistoryEntry | null = null;
  #release: () => void = () => undefined;
  #released = new Promise<void>((resolve) => (this.#release = resolve));

  constructor() {
    super("http://127.0.0.1:1");
  }

  answerQueue(): void {
    this.#release();
  }

  override async queue(): Promise<Queue> {
    this.queueReads += 1;
    await this.#released;
    return queueOf(this.running);
  }

  override history(): Promise<HistoryEntry | null> {
    return Promise.resolve(this.historyAnswer);
  }
}

const bridges: ComfyuiBridge[] = [];
afterEach(() => {
  bridges.splice(0).forEach((bridge) => bridge.stop());
});

function start(http: ComfyuiHttp, graphWaitMs = 5_000): { bridge: ComfyuiBridge; events: ProtocolEvent[] } {
  const bridge = new ComfyuiBridge({ http, log, graphWaitMs, historyRetryMs: 10 });
  bridges.push(bridge);
  const events: ProtocolEvent[] = [];
  bridge.on("event", (event) => {
    if (event.kind !== "comfyui.queue") {
      events.push(event);
    }
  });
  return { bridge, events };
}

function feed(bridge: ComfyuiBridge, frames: string[], source = "proxy:1"): void {
  frames.forEach((text) => bridge.observe(text, source));
}

/** Returns the executing and progress events that lack the node count or the node class of the graph. */
function withoutGraph(events: ProtocolEvent[]): ProtocolEvent[] {
  return events.filter((event) => {
    if (event.kind !== "comfyui.executing" && event.kind !== "comfyui.progress") {
      return false;
    }
    return event.node_count !== 7 || event.node === null || event.node_class !== CLASSES.get(event.node);
  });
}

describe("bridge waiting for a prompt graph", () => {
  it("holds the frames until /queue answers", () => {
    const http = new HeldHttp();
    const { bridge, events } = start(http);

    feed(bridge, RECORDED.slice(0, 8));

    expect(events).toEqual([]);
    expect(http.queueReads).toBeGreaterThan(0);
  });

  it("reports held frames in order once /queue answers", async () => {
    const http = new HeldHttp();
    const { bridge, events } = start(http);
    feed(bridge, RECORDED);

    http.answerQueue();
    await waitFor("the success event", () => events.some((event) => event.kind === "comfyui.execution_success"));

    expect(events.map((event) => event.kind)).toEqual(EXPECTED_KINDS);
  });

  it("gives every held event the graph from /queue", async () => {
    const http = new HeldHttp();
    const { bridge, events } = start(http);
    feed(bridge, RECORDED);

    http.answerQueue();
    await waitFor("the success event", () => events.some((event) => event.kind === "comfyui.execution_success"));

    expect(withoutGraph(events)).toEqual([]);
    expect(events.filter((event) => event.kind === "comfyui.progress").map((event) => event.node_class)).toEqual(["KSampler", "KSampler"]);
  });

  it("takes the graph the proxy reports after the first frames", () => {
    const http = new HeldHttp();
    const { bridge, events } = start(http);
    feed(bridge, RECORDED.slice(0, 6));

    bridge.observe(queuedPromptFrame(PROMPT, GRAPH), QUEUED_PROMPT_SOURCE);
    feed(bridge, RECORDED.slice(6));

    expect(events.map((event) => event.kind)).toEqual(EXPECTED_KINDS);
    expect(withoutGraph(events)).toEqual([]);
  });

  it("passes frames at once when the proxy reported the graph first", () => {
    const http = new HeldHttp();
    const { bridge, events } = start(http);

    bridge.observe(queuedPromptFrame(PROMPT, GRAPH), QUEUED_PROMPT_SOURCE);
    feed(bridge, RECORDED.slice(0, 2));

    expect(events).toEqual([expect.objectContaining({ kind: "comfyui.execution_start", node_count: 7 })]);
  });

  it("ignores a queued-prompt frame from a ComfyUI socket", () => {
    const http = new HeldHttp();
    const { bridge, events } = start(http);

    bridge.observe(queuedPromptFrame(PROMPT, GRAPH), "proxy:1");
    feed(bridge, RECORDED.slice(0, 2));

    expect(events).toEqual([]);
  });

  it("reads the graph of a finished prompt from /history", async () => {
    const http = new HeldHttp();
    http.running = [];
    http.historyAnswer = historyEntrySchema.parse({ prompt: [0, PROMPT, GRAPH, {}, ["9"]], status: { status_str: "success", completed: true, messages: [] } });
    const { bridge, events } = start(http);
    feed(bridge, RECORDED);

    http.answerQueue();
    await waitFor("the success event", () => events.some((event) => event.kind === "comfyui.execution_success"));

    expect(events.map((event) => event.kind)).toEqual(EXPECTED_KINDS);
    expect(withoutGraph(events)).toEqual([]);
  });

  it("reports without the graph after the wait", async () => {
    const http = new HeldHttp();
    http.running = [];
    const { bridge, events } = start(http, 50);
    http.answerQueue();

    feed(bridge, RECORDED);
    await waitFor("the success event", () => events.some((event) => event.kind === "comfyui.execution_success"));

    expect(events.map((event) => event.kind)).toEqual(EXPECTED_KINDS);
    expect(events[0]).toMatchObject({ kind: "comfyui.execution_start", node_count: 0 });
  });

  it("keeps frames of a known prompt behind held ones", async () => {
    const other = "1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5";
    const http = new HeldHttp();
    const { bridge, events } = start(http);
    bridge.observe(queuedPromptFrame(other, GRAPH), QUEUED_PROMPT_SOURCE);
    feed(bridge, RECORDED.slice(1, 3));

    bridge.observe(`{"type": "execution_start", "data": {"prompt_id": "${other}", "timestamp": 1760263300000}}`, "proxy:2");
    http.answerQueue();
    await waitFor("two start events", () => events.length >= 2);

    expect(events.map((event) => ("prompt_id" in event ? event.prompt_id : null))).toEqual([PROMPT, other]);
  });
});
