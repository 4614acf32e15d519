import { describe, expect, it } from "vitest";

import type { ProtocolEvent } from "@comfycarry/shared";

import { PromptTracker } from "../../src/comfyui/prompt-tracker.js";
import { queueSchema } from "../../src/comfyui/schemas.js";
import type { Queue, WsFrame } from "../../src/comfyui/schemas.js";
import { parseTqdm } from "../../src/comfyui/tqdm.js";
import { createRootLogger } from "../../src/log/logger.js";

const log = createRootLogger({ level: "silent" });
const PROMPT = "0b7c4f6e-3d2a-4e8f-9a1b-2c3d4e5f6a7b";
const GRAPH = {
  "4": { class_type: "CheckpointLoaderSimple", inputs: {} },
  "6": { class_type: "CLIPTextEncode", inputs: {} },
  "7": { class_type: "CLIPTextEncode", inputs: {} },
  "5": { class_type: "EmptyLatentImage", inputs: {} },
  "3": { class_type: "KSampler", inputs: {} },
  "8": { class_type: "VAEDecode", inputs: {} },
  "9": { class_type: "SaveImage", inputs: {} },
};
const ORDER = ["4", "6", "7", "5", "3", "8", "9"];

function queue(running: string[], pending: string[] = []): Queue {
  const item = (id: string, index: number) => [index, id, GRAPH, { client_id: "other" }, ["9"]];
  return queueSchema.parse({ queue_running: running.map(item), queue_pending: pending.map(item) });
}

function frame(type: string, data: object): WsFrame {
  return { type, data };
}

/** Returns the frames of one fresh run with client_id set, in the order ComfyUI sends them. */
function fullRun(steps = 3): WsFrame[] {
  const frames: WsFrame[] = [frame("execution_start", { prompt_id: PROMPT, timestamp: 1_000 }), frame("execution_cached", { nodes: [], prompt_id: PROMPT, timestamp: 1_001 })];
  for (const node of ORDER) {
    frames.push(frame("executing", { node, display_node: node, prompt_id: PROMPT }));
    if (node === "3") {
      for (let step = 1; step <= steps; step += 1) {
        frames.push(frame("progress", { value: step, max: steps, prompt_id: PROMPT, node }));
      }
    }
    if (node === "9") {
      frames.push(frame("executed", { node, display_node: node, output: { images: [{ filename: "ComfyUI_00001_.png", subfolder: "", type: "output" }] }, prompt_id: PROMPT }));
    }
  }
  frames.push(frame("execution_success", { prompt_id: PROMPT, timestamp: 4_000 }));
  frames.push(frame("executing", { node: null, prompt_id: PROMPT }));
  return frames;
}

function tracker(): { tracker: PromptTracker; events: ProtocolEvent[] } {
  const events: ProtocolEvent[] = [];
  return { tracker: new PromptTracker((event) => events.push(event), log), events };
}

const kinds = (events: ProtocolEvent[]) => events.map((event) => event.kind);

describe("prompt tracker", () => {
  it("reports a full run in order", () => {
    const { tracker: t, events } = tracker();
    t.onQueue(queue([PROMPT]));
    fullRun().forEach((f) => t.onFrame(f, "own"));

    expect(kinds(events)).toEqual([
      "comfyui.queue",
      "comfyui.execution_start",
      ...ORDER.slice(0, 5).map(() => "comfyui.executing"),
      "comfyui.progress",
      "comfyui.progress",
      "comfyui.progress",
      "comfyui.executing",
      "comfyui.executing",
      "comfyui.executed",
      "comfyui.execution_success",
    ]);
  });

  it("names the node class from the graph", () => {
    const { tracker: t, events } = tracker();
    t.onQueue(queue([PROMPT]));
    fullRun().forEach((f) => t.onFrame(f, "own"));

    const step = events.find((event) => event.kind === "comfyui.progress");
    expect(step).toMatchObject({ node: "3", node_class: "KSampler", value: 1, max: 3, node_count: 7, nodes_done: 4 });
  });

  it("counts every node done on success", () => {
    const { tracker: t, events } = tracker();
    t.onQueue(queue([PROMPT]));
    fullRun().forEach((f) => t.onFrame(f, "own"));

    expect(events.at(-1)).toMatchObject({ kind: "comfyui.execution_success", nodes_done: 7, node_count: 7, duration_ms: 3_000 });
  });

  it("reports frames seen on two sockets once", () => {
    const single = tracker();
    const double = tracker();
    single.tracker.onQueue(queue([PROMPT]));
    double.tracker.onQueue(queue([PROMPT]));

    for (const f of fullRun()) {
      single.tracker.onFrame(f, "own");
      double.tracker.onFrame(f, "proxy:1");
      double.tracker.onFrame(f, "proxy:2");
    }

    expect(kinds(double.events)).toEqual(kinds(single.events));
  });

  it("clears the current prompt after success", () => {
    const { tracker: t } = tracker();
    t.onQueue(queue([PROMPT]));
    fullRun().forEach((f) => t.onFrame(f, "own"));

    expect(t.current).toBeNull();
  });

  it("ignores frames after the prompt finished", () => {
    const { tracker: t, events } = tracker();
    t.onQueue(queue([PROMPT]));
    fullRun().forEach((f) => t.onFrame(f, "own"));
    const count = events.length;

    t.onFrame(frame("execution_interrupted", { prompt_id: PROMPT, node_id: "3", node_type: "KSampler", executed: [] }), "proxy:1");

    expect(events).toHaveLength(count);
  });

  it("reports an error with its node and exception", () => {
    const { tracker: t, events } = tracker();
    t.onQueue(queue([PROMPT]));
    fullRun().slice(0, 8).forEach((f) => t.onFrame(f, "own"));
    t.onFrame(frame("execution_error", { prompt_id: PROMPT, node_id: "3", node_type: "KSampler", exception_type: "torch.OutOfMemoryError", exception_message: "CUDA out of memory\n", executed: [] }), "own");

    expect(events.at(-1)).toMatchObject({ kind: "comfyui.execution_error", node: "3", node_class: "KSampler", exception_type: "torch.OutOfMemoryError" });
  });

  it("finds a prompt queued past the proxy through /queue", () => {
    const { tracker: t, events } = tracker();

    t.onQueue(queue([PROMPT]));

    expect(events.at(-1)).toMatchObject({ kind: "comfyui.execution_start", prompt_id: PROMPT, node_count: 7 });
    expect(t.current?.prompt_id).toBe(PROMPT);
  });

  it("takes step progress from log lines without progress frames", () => {
    const { tracker: t, events } = tracker();
    t.onQueue(queue([PROMPT]));

    t.onLogProgress({ value: 7, max: 20 });

    expect(events.at(-1)).toMatchObject({ kind: "comfyui.progress", value: 7, max: 20, node: null });
    expect(t.current?.progress).toEqual({ value: 7, max: 20 });
  });

  it("follows nodes from progress_state frames", () => {
    const { tracker: t, events } = tracker();
    t.onQueue(queue([PROMPT]));

    t.onFrame(frame("progress_state", { prompt_id: PROMPT, nodes: { "4": { state: "finished" }, "6": { state: "finished" }, "3": { state: "running" } } }), "own");

    expect(events.at(-1)).toMatchObject({ kind: "comfyui.executing", node: "3", node_class: "KSampler", nodes_done: 2 });
    expect(t.current?.node).toBe("3");
  });

  it("ignores progress_state once executing frames arrive", () => {
    const { tracker: t, events } = tracker();
    t.onQueue(queue([PROMPT]));
    t.onFrame(frame("executing", { node: "6", prompt_id: PROMPT }), "own");
    const before = events.length;

    t.onFrame(frame("progress_state", { prompt_id: PROMPT, nodes: { "3": { state: "running" } } }), "own");

    expect(events).toHaveLength(before);
    expect(t.wantsNodeStates).toBe(false);
    expect(t.current?.node).toBe("6");
  });

  it("ignores log progress once progress frames arrive", () => {
    const { tracker: t, events } = tracker();
    t.onQueue(queue([PROMPT]));
    t.onFrame(frame("progress", { value: 2, max: 20, prompt_id: PROMPT, node: "3" }), "own");
    const count = events.length;

    t.onLogProgress({ value: 1, max: 20 });

    expect(events).toHaveLength(count);
  });

  it("asks for /history when the prompt leaves the queue", () => {
    const { tracker: t } = tracker();
    t.onQueue(queue([PROMPT]));

    t.onQueue(queue([]));

    expect(t.takeLookups()).toEqual([PROMPT]);
  });

  it("asks for no /history while the prompt is pending", () => {
    const { tracker: t } = tracker();
    t.onFrame(frame("execution_start", { prompt_id: PROMPT, timestamp: 1 }), "proxy:1");

    t.onQueue(queue([], [PROMPT]));

    expect(t.takeLookups()).toEqual([]);
  });

  it("finishes from a history entry", () => {
    const { tracker: t, events } = tracker();
    t.onQueue(queue([PROMPT]));
    t.onQueue(queue([]));

    t.onHistory(PROMPT, {
      status: {
        status_str: "error",
        completed: false,
        messages: [
          ["execution_start", { prompt_id: PROMPT, timestamp: 1 }],
          ["execution_interrupted", { prompt_id: PROMPT, node_id: "3", node_type: "KSampler", executed: [], timestamp: 2 }],
        ],
      },
    });

    expect(events.at(-1)).toMatchObject({ kind: "comfyui.execution_interrupted", node: "3", node_class: "KSampler" });
    expect(t.current).toBeNull();
  });

  it("ends a prompt ComfyUI forgot as lost", () => {
    const { tracker: t, events } = tracker();
    t.onQueue(queue([PROMPT]));

    t.onHistory(PROMPT, null);

    expect(events.at(-1)).toMatchObject({ kind: "comfyui.execution_error", exception_type: "PromptLost" });
  });

  it("applies an executing frame without prompt id to the current prompt", () => {
    const { tracker: t, events } = tracker();
    t.onQueue(queue([PROMPT]));

    t.onFrame(frame("executing", { node: "3" }), "own");

    expect(events.at(-1)).toMatchObject({ kind: "comfyui.executing", prompt_id: PROMPT, node: "3" });
  });

  it("reports queue counts once per change", () => {
    const { tracker: t, events } = tracker();

    t.onQueue(queue([], ["a", "b"]));
    t.onQueue(queue([], ["a", "b"]));

    expect(events.filter((event) => event.kind === "comfyui.queue")).toEqual([expect.objectContaining({ queue_running: 0, queue_pending: 2 })]);
  });
});

describe("parseTqdm", () => {
  it("reads a tqdm bar", () => {
    expect(parseTqdm(" 35%|███▌      | 7/20 [00:01<00:02,  5.12it/s]")).toEqual({ value: 7, max: 20 });
  });

  it("takes the last state of a redrawn bar", () => {
    expect(parseTqdm("\r  5%|▌         | 1/20 [00:00<00:03]\r 10%|█         | 2/20 [00:00<00:03]")).toEqual({ value: 2, max: 20 });
  });

  it("ignores a plain line", () => {
    expect(parseTqdm("got prompt\n")).toBeNull();
  });
});

describe("prompt tracker fallback", () => {
  it("counts every node done when /history says success", () => {
    const { tracker: t, events } = tracker();
    t.onQueue(queue([PROMPT]));
    t.onQueue(queue([]));

    t.onHistory(PROMPT, { status: { status_str: "success", completed: true, messages: [["execution_success", { prompt_id: PROMPT, timestamp: 2 }]] } });

    expect(events.at(-1)).toMatchObject({ kind: "comfyui.execution_success", nodes_done: 7, node_count: 7 });
  });
});

describe("prompt tracker abandon", () => {
  it("ends the running prompt as lost", () => {
    const { tracker: t, events } = tracker();
    t.onQueue(queue([PROMPT]));

    t.abandonCurrent("ComfyUI is offline");

    expect(events.at(-1)).toMatchObject({ kind: "comfyui.execution_error", exception_type: "PromptLost", exception_message: "ComfyUI is offline" });
    expect(t.current).toBeNull();
  });
});

describe("prompt tracker clearQueue", () => {
  it("zeroes the counts with an event", () => {
    const { tracker: t, events } = tracker();
    t.onQueue(queue([PROMPT], ["a", "b"]));

    t.clearQueue();

    expect(t.queueCounts).toEqual({ running: 0, pending: 0 });
    expect(events.at(-1)).toMatchObject({ kind: "comfyui.queue", queue_running: 0, queue_pending: 0 });
  });

  it("emits nothing for an empty queue", () => {
    const { tracker: t, events } = tracker();

    t.clearQueue();

    expect(events).toEqual([]);
  });

  it("takes the next read's counts", () => {
    const { tracker: t, events } = tracker();
    t.onQueue(queue([PROMPT], ["a"]));
    t.clearQueue();

    t.onQueue(queue([], ["c"]));

    expect(t.queueCounts).toEqual({ running: 0, pending: 1 });
    expect(events.at(-1)).toMatchObject({ kind: "comfyui.queue", queue_running: 0, queue_pending: 1 });
  });
});
