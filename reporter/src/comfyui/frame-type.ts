/**
 * ComfyUI writes every /ws message as `{"type": ..., "data": ...}` with `type` first
 * (Python's json.dumps keeps insertion order), so the type can be read without parsing
 * the data, which for `progress_state` lists every node of the graph.
 */
const LEADING_TYPE = /^\{\s*"type"\s*:\s*"([A-Za-z0-9_.:-]{1,64})"/;

/** Returns the frame's type when the text starts with it, else null (then parse it whole). */
export function peekFrameType(text: string): string | null {
  return LEADING_TYPE.exec(text)?.[1] ?? null;
}
