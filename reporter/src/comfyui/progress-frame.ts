import { isFiniteNumber, isRecord } from "./plain-checks.js";

/** The fields the bridge reads from a `progress` frame's data. */
export interface ProgressData {
  prompt_id?: string;
  node?: string | null;
  value: number;
  max: number;
}

/** A `progress` frame whose data has the fields the bridge reads. */
export interface ProgressFrame {
  type: "progress";
  data: ProgressData;
}

/**
 * Reads a `progress` frame's text, or returns null when it is not JSON or lacks a field.
 *
 * A fast sampler sends twenty of these a second. The reporter runs in the interpreter
 * (`--max-opt=0`, chosen for memory), where a zod object parse costs far more than these
 * few checks. In the latency bench's profile, the two zod parses of each step took about a
 * fifth of the bridge's time while streaming. Every other frame goes through zod.
 */
export function readProgressFrame(text: string): ProgressFrame | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(json) || json.type !== "progress") {
    return null;
  }
  const data = readProgressData(json.data);
  return data === null ? null : { type: "progress", data };
}

/** Returns the fields of a `progress` frame's data, or null when one is missing or of the wrong type. */
export function readProgressData(data: unknown): ProgressData | null {
  if (!isRecord(data)) {
    return null;
  }
  const { prompt_id: promptId, node, value, max } = data;
  if (!isFiniteNumber(value) || !isFiniteNumber(max)) {
    return null;
  }
  if (promptId !== undefined && typeof promptId !== "string") {
    return null;
  }
  if (node !== undefined && node !== null && typeof node !== "string") {
    return null;
  }
  return { prompt_id: promptId, node, value, max };
}
