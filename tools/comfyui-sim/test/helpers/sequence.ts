/** Checks a recorded frame list against ComfyUI's per-prompt message order. */
import type { JsonFrame } from "./socket.js";

/**
 * Returns the frames of one prompt (by prompt_id, plus the status frames around it), with
 * the greeting and other prompts' frames removed.
 */
export function framesOf(frames: JsonFrame[], promptId: string): JsonFrame[] {
  return frames.filter((frame) => frame.type === "status" || frame.data.prompt_id === promptId);
}

/**
 * Verifies the node section of a fresh run: for each node `progress_state`, `executing`,
 * any number of (`progress_state`, `progress`) steps, an optional `executed`, `progress_state`.
 * Returns the executed node ids in order, or throws naming the frame that broke the pattern.
 */
export function nodeSections(frames: JsonFrame[]): string[] {
  const nodes: string[] = [];
  let index = 0;
  const expectType = (type: string): JsonFrame => {
    const frame = frames[index];
    if (frame?.type !== type) {
      throw new Error(`expected ${type} at position ${index}, got ${frame?.type ?? "nothing"}`);
    }
    index += 1;
    return frame;
  };
  while (index < frames.length) {
    expectType("progress_state");
    const executing = expectType("executing");
    nodes.push(String(executing.data.node));
    while (frames[index]?.type === "progress_state" && frames[index + 1]?.type === "progress") {
      index += 2;
    }
    if (frames[index]?.type === "executed") {
      index += 1;
    }
    expectType("progress_state");
  }
  return nodes;
}
