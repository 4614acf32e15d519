/**
 * Runs queued prompts one at a time and emits ComfyUI's messages in its order: status,
 * execution_start, execution_cached, per-node progress_state / executing / progress / executed,
 * then the terminal event, history, status and `executing: null`.
 */
import path from "node:path";
import { performance } from "node:perf_hooks";

import type { SimConfig } from "../config.js";
import type { Folders } from "../folders/folders.js";
import { simConsole } from "../log/logger.js";
import { formatProgressLine } from "../log/tqdm.js";
import type { NodeRegistry } from "../nodes/registry.js";
import type { NodeClass, NodeResult } from "../nodes/types.js";
import { pyJsonDumps, pyRepr, type Dumpable } from "../py/format.js";
import { formatException, formatFrames, type Frame } from "../py/traceback.js";
import { PyError, dict, isDict, type PyDict, type PyValue } from "../py/value.js";
import type { Faults } from "../sim/faults.js";
import { EVENT_PREVIEW_IMAGE, EVENT_PREVIEW_IMAGE_WITH_METADATA, type SocketHub } from "../ws/hub.js";
import { OutputCache, signatures } from "./cache.js";
import { encodePreviewJpeg } from "./images.js";
import { ProgressState } from "./progress-state.js";
import type { PromptQueue, QueueItem } from "./queue.js";
import { formatInput, runNode, type ResolvedInput } from "./run-node.js";

class InterruptError extends Error {}

const OOM_TIPS = "This error means you ran out of memory on your GPU.\n\nTIPS: If the workflow worked before you might have accidentally set the batch_size to a large number.";

interface RunState {
  item: QueueItem;
  sid: string | null;
  messages: Array<[string, PyDict]>;
  progress: ProgressState;
  executed: string[];
  uiOutputs: PyDict;
  results: Map<string, NodeResult>;
  /** Input signatures by node, to read cached upstream outputs. */
  signatures: Map<string, string>;
  /** Inputs of the node now running, for `current_inputs` in `execution_error`. */
  currentInputs: Map<string, ResolvedInput> | null;
}

export interface ExecutorDeps {
  config: SimConfig;
  folders: Folders;
  registry: NodeRegistry;
  queue: PromptQueue;
  hub: SocketHub;
  faults: Faults;
}

export class Executor {
  private readonly cache: OutputCache;
  private interrupted = false;
  /** When the running sampler's progress bar started, for tqdm's rate and remaining time. */
  private stepStarted = 0;
  /** The running prompt's client sid and executing node, for sockets that reconnect mid-run. */
  private current: { sid: string | null; node: string | null; promptId: string } | null = null;

  constructor(private readonly deps: ExecutorDeps) {
    this.cache = new OutputCache(deps.config.cache);
  }

  /** Sets the interrupt flag; the running prompt stops at its next step or node boundary. */
  interrupt(): void {
    this.interrupted = true;
  }

  runningPromptId(): string | null {
    return this.current?.promptId ?? null;
  }

  /** Returns the executing node when `sid` queued the running prompt, for the reconnect frame. */
  executingNodeFor(sid: string): string | null {
    return this.current !== null && this.current.sid === sid ? this.current.node : null;
  }

  /** Runs the worker loop: takes items, runs them, and applies `/free` flags between prompts. */
  async run(): Promise<void> {
    for (;;) {
      await this.deps.queue.waitForWork();
      this.applyFlags();
      if (this.deps.queue.pending.length === 0) {
        continue;
      }
      const item = await this.deps.queue.take();
      await this.execute(item);
      this.applyFlags();
    }
  }

  private applyFlags(): void {
    const flags = this.deps.queue.takeFlags();
    if (flags.get("free_memory") === true) {
      this.cache.clear();
    }
  }

  private addMessage(state: RunState, event: string, data: PyDict, broadcast: boolean): void {
    data.set("timestamp", Date.now());
    state.messages.push([event, data]);
    if (state.sid !== null || broadcast) {
      this.deps.hub.send(event, data, state.sid);
    }
  }

  private sendProgressState(state: RunState): void {
    this.deps.hub.send("progress_state", state.progress.payload(), state.sid);
  }

  private clientSid(extraData: PyDict): string | null {
    const clientId = extraData.get("client_id");
    if (clientId === undefined || clientId === null) {
      return null;
    }
    // A non-string client_id matches no socket, as a Python dict lookup would not.
    return typeof clientId === "string" ? clientId : `\u0000${pyRepr(clientId)}`;
  }

  async execute(item: QueueItem): Promise<void> {
    const started = performance.now();
    this.interrupted = false;
    const state: RunState = {
      item,
      sid: this.clientSid(item.extraData),
      messages: [],
      progress: new ProgressState(item.promptId),
      executed: [],
      uiOutputs: new Map(),
      results: new Map(),
      currentInputs: null,
      signatures: new Map(),
    };
    this.current = { sid: state.sid, node: null, promptId: item.promptId };
    this.deps.faults.fire("prompt");

    this.addMessage(state, "execution_start", dict([["prompt_id", item.promptId]]), false);
    const nodeSignatures = signatures(item.prompt, (nodeId) => this.inputFileOf(item.prompt, nodeId));
    state.signatures = nodeSignatures;
    const cachedNodes = [...item.prompt.keys()].filter((nodeId) => this.cache.get(nodeSignatures.get(nodeId) ?? "") !== undefined);
    this.addMessage(state, "execution_cached", dict([["nodes", cachedNodes], ["prompt_id", item.promptId]]), false);

    const order = this.executionOrder(item, new Set(cachedNodes));
    let failure: { nodeId: string; error: unknown } | null = null;
    for (const nodeId of order) {
      try {
        await this.executeNode(state, nodeId, nodeSignatures.get(nodeId) ?? "", cachedNodes.includes(nodeId));
      } catch (error) {
        failure = { nodeId, error };
        break;
      }
    }

    if (failure === null) {
      this.addMessage(state, "execution_success", dict([["prompt_id", item.promptId]]), false);
    } else if (failure.error instanceof InterruptError) {
      simConsole.info("Processing interrupted");
      this.addMessage(state, "execution_interrupted", this.failureBase(state, failure.nodeId), true);
    } else {
      this.reportError(state, failure.nodeId, failure.error, cachedNodes);
    }
    this.cache.retainOnly(new Set(nodeSignatures.values()));

    const succeeded = failure === null;
    const meta: PyDict = new Map();
    for (const nodeId of state.uiOutputs.keys()) {
      meta.set(nodeId, dict([["node_id", nodeId], ["display_node", nodeId], ["parent_node", null], ["real_node_id", nodeId]]));
    }
    this.deps.queue.finish({
      item,
      outputs: state.uiOutputs,
      status: { statusStr: succeeded ? "success" : "error", completed: succeeded, messages: state.messages },
      meta,
    });
    if (state.sid !== null) {
      this.deps.hub.send("executing", { node: null, prompt_id: item.promptId }, state.sid);
    }
    this.current = null;
    simConsole.info(`Prompt executed in ${formatDuration((performance.now() - started) / 1000)}`);
  }

  /** Orders nodes as a depth-first walk from each output through its inputs; cached nodes are not entered. */
  private executionOrder(item: QueueItem, cached: Set<string>): string[] {
    const order: string[] = [];
    const visit = (nodeId: string, isOutput: boolean): void => {
      if (order.includes(nodeId) || (!isOutput && cached.has(nodeId))) {
        return;
      }
      const node = item.prompt.get(nodeId);
      const inputs = isDict(node) ? node.get("inputs") : undefined;
      if (isDict(inputs) && !cached.has(nodeId)) {
        for (const value of inputs.values()) {
          if (Array.isArray(value) && typeof value[0] === "string" && item.prompt.has(value[0])) {
            visit(value[0], false);
          }
        }
      }
      order.push(nodeId);
    };
    for (const output of item.outputs) {
      visit(output, true);
    }
    return order;
  }

  private async executeNode(state: RunState, nodeId: string, signature: string, isCached: boolean): Promise<void> {
    const { item, sid } = state;
    const node = item.prompt.get(nodeId);
    const classType = isDict(node) ? node.get("class_type") : null;
    const nodeClass = typeof classType === "string" ? this.deps.registry.get(classType) : undefined;
    if (!isDict(node) || nodeClass === undefined) {
      throw new PyError("KeyError", pyRepr(nodeId));
    }

    const cachedResult = isCached ? this.cache.get(signature) : undefined;
    if (cachedResult !== undefined) {
      state.results.set(nodeId, cachedResult);
      if (cachedResult.ui !== null) {
        state.uiOutputs.set(nodeId, cachedResult.ui);
        if (sid !== null) {
          this.deps.hub.send("executed", { node: nodeId, display_node: nodeId, output: cachedResult.ui, prompt_id: item.promptId }, sid);
        }
      }
      state.progress.finish(nodeId);
      this.sendProgressState(state);
      return;
    }

    if (this.interrupted) {
      throw new InterruptError();
    }
    state.progress.start(nodeId);
    this.sendProgressState(state);
    if (this.current !== null) {
      this.current.node = nodeId;
    }
    if (sid !== null) {
      this.deps.hub.send("executing", { node: nodeId, display_node: nodeId, prompt_id: item.promptId }, sid);
    }

    const inputs = this.resolveInputs(state, node, nodeClass);
    state.currentInputs = inputs;
    const result = await runNode({
      config: this.deps.config,
      folders: this.deps.folders,
      prompt: item.prompt,
      extraData: item.extraData,
      nodeId,
      nodeClass,
      inputs,
      step: (value, max, seed) => this.reportStep(state, nodeId, value, max, seed),
    });

    this.cache.set(signature, result);
    state.results.set(nodeId, result);
    if (result.ui !== null) {
      state.uiOutputs.set(nodeId, result.ui);
      if (sid !== null) {
        this.deps.hub.send("executed", { node: nodeId, display_node: nodeId, output: result.ui, prompt_id: item.promptId }, sid);
      }
    }
    state.progress.finish(nodeId);
    this.sendProgressState(state);
    state.executed.push(nodeId);
  }

  private resolveInputs(state: RunState, node: PyDict, nodeClass: NodeClass): Map<string, ResolvedInput> {
    const specs = nodeClass.inputs();
    const resolved = new Map<string, ResolvedInput>();
    const inputs = node.get("inputs");
    if (isDict(inputs)) {
      for (const [name, value] of inputs) {
        if (!specs.required.has(name) && !specs.optional.has(name)) {
          continue;
        }
        if (Array.isArray(value) && typeof value[0] === "string") {
          const upstream = state.results.get(value[0]) ?? this.cache.get(state.signatures.get(value[0]) ?? "");
          const slot = typeof value[1] === "number" ? value[1] : 0;
          resolved.set(name, upstream?.outputs[slot] ?? null);
        } else {
          resolved.set(name, value);
        }
      }
    }
    for (const [name, spec] of specs.hidden) {
      if (spec[0] === "PROMPT") {
        resolved.set(name, state.item.prompt);
      } else if (spec[0] === "EXTRA_PNGINFO" && state.item.extraData.has("extra_pnginfo")) {
        resolved.set(name, state.item.extraData.get("extra_pnginfo") ?? null);
      } else if (spec[0] === "UNIQUE_ID") {
        resolved.set(name, node === undefined ? null : [...state.item.prompt].find(([, value]) => value === node)?.[0] ?? null);
      }
    }
    return resolved;
  }

  /**
   * Reports one sampler step: tqdm line, progress_state, metadata preview, progress, legacy preview.
   * Step 0 only starts the progress bar.
   */
  private async reportStep(state: RunState, nodeId: string, value: number, max: number, seed: number): Promise<void> {
    if (value === 0) {
      this.stepStarted = performance.now();
      simConsole.write("stderr", `\r${formatProgressLine(0, max, 0)}`);
      return;
    }
    if (value === 1) {
      this.deps.faults.fire("step");
    }
    if (this.interrupted) {
      simConsole.write("stderr", "\n");
      throw new InterruptError();
    }
    const elapsed = (performance.now() - this.stepStarted) / 1000;
    simConsole.write("stderr", `\r${formatProgressLine(value, max, elapsed)}`);
    if (value === max) {
      simConsole.write("stderr", "\n");
    }

    const { sid, item } = state;
    state.progress.update(nodeId, value, max);
    this.sendProgressState(state);
    const previews = this.deps.config.previewMethod !== "none";
    const metadataClient = sid !== null && this.deps.hub.supportsPreviewMetadata(sid);
    const image = previews ? encodePreviewJpeg(this.deps.config.previewSize, seed, value, max) : null;
    if (image !== null && metadataClient) {
      this.deps.hub.sendBinary(metadataFrame(image, nodeId, item.promptId), sid);
    }
    this.deps.hub.send("progress", { value, max, prompt_id: item.promptId, node: nodeId }, sid);
    if (image !== null && !metadataClient) {
      this.deps.hub.sendBinary(legacyFrame(image), sid);
    }
    // Yield so an /interrupt request can land between steps even with a zero step time.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  private failureBase(state: RunState, nodeId: string): PyDict {
    const node = state.item.prompt.get(nodeId);
    return dict([
      ["prompt_id", state.item.promptId],
      ["node_id", nodeId],
      ["node_type", isDict(node) ? (node.get("class_type") ?? null) : null],
      ["executed", [...state.executed]],
    ]);
  }

  private reportError(state: RunState, nodeId: string, error: unknown, cachedNodes: string[]): void {
    const pyError = error instanceof PyError ? error : new PyError("RuntimeError", error instanceof Error ? error.message : String(error));
    const oom = pyError.pyType === "torch.OutOfMemoryError";
    const frames = this.errorFrames(state, nodeId);
    simConsole.error(`!!! Exception during processing !!! ${pyError.pyMessage}`);
    simConsole.error(formatException(frames, pyError.pyType, pyError.pyMessage));
    if (oom) {
      simConsole.error("Got an OOM, unloading all loaded models.");
    }

    const currentInputs: PyDict = new Map();
    for (const [name, value] of state.currentInputs ?? new Map<string, ResolvedInput>()) {
      currentInputs.set(name, [formatInput(value)]);
    }
    const data = this.failureBase(state, nodeId);
    data.set("exception_message", `${pyError.pyMessage}\n${oom ? OOM_TIPS : ""}`);
    data.set("exception_type", pyError.pyType);
    data.set("traceback", formatFrames(frames));
    data.set("current_inputs", currentInputs);
    data.set("current_outputs", cachedNodes);
    this.addMessage(state, "execution_error", data, false);
  }

  private errorFrames(state: RunState, nodeId: string): Frame[] {
    const root = this.deps.config.baseDir;
    const node = state.item.prompt.get(nodeId);
    const classType = isDict(node) ? String(node.get("class_type") ?? "") : "";
    return [
      { file: path.join(root, "execution.py"), line: 496, func: "execute", code: "output_data, output_ui, has_subgraph, has_pending_tasks = await get_output_data(prompt_id, unique_id, obj, input_data_all)" },
      { file: path.join(root, "execution.py"), line: 315, func: "get_output_data", code: "return_values = await _async_map_node_over_list(prompt_id, unique_id, obj, input_data_all, obj.FUNCTION)" },
      { file: path.join(root, "nodes.py"), line: 1525, func: classType === "KSampler" ? "sample" : "run", code: `return self.run_${classType.toLowerCase()}(**kwargs)` },
    ];
  }

  private inputFileOf(prompt: PyDict, nodeId: string): string | null {
    const node = prompt.get(nodeId);
    if (!isDict(node) || node.get("class_type") !== "LoadImage") {
      return null;
    }
    const inputs = node.get("inputs");
    const image: PyValue | undefined = isDict(inputs) ? inputs.get("image") : undefined;
    if (typeof image !== "string") {
      return null;
    }
    const annotated = this.deps.folders.annotatedFilepath(image);
    return path.join(annotated.dir ?? this.deps.folders.inputDir, annotated.name);
  }
}

function legacyFrame(image: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(EVENT_PREVIEW_IMAGE, 0);
  // Image format 1 is JPEG.
  header.writeUInt32BE(1, 4);
  return Buffer.concat([header, image]);
}

function metadataFrame(image: Buffer, nodeId: string, promptId: string): Buffer {
  const metadata: Dumpable = { node_id: nodeId, prompt_id: promptId, display_node_id: nodeId, parent_node_id: null, real_node_id: nodeId, image_type: "image/jpeg" };
  const json = Buffer.from(pyJsonDumps(metadata), "utf8");
  const header = Buffer.alloc(8);
  header.writeUInt32BE(EVENT_PREVIEW_IMAGE_WITH_METADATA, 0);
  header.writeUInt32BE(json.length, 4);
  return Buffer.concat([header, json, image]);
}

/** Formats the run time as ComfyUI does: seconds with two decimals, `H:MM:SS` past ten minutes. */
export function formatDuration(seconds: number): string {
  if (seconds > 600) {
    const whole = Math.floor(seconds);
    const pad = (value: number): string => String(value).padStart(2, "0");
    return `${pad(Math.floor(whole / 3600))}:${pad(Math.floor((whole % 3600) / 60))}:${pad(whole % 60)}`;
  }
  return `${seconds.toFixed(2)} seconds`;
}
