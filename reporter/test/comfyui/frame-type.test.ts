import { describe, expect, it } from "vitest";

import { peekFrameType } from "../../src/comfyui/frame-type.js";

describe("peekFrameType", () => {
  it("reads the type of a frame as ComfyUI writes it", () => {
    expect(peekFrameType('{"type": "progress_state", "data": {"prompt_id": "p", "nodes": {}}}')).toBe("progress_state");
  });

  it("reads the type of compact JSON", () => {
    expect(peekFrameType('{"type":"logs","data":{"entries":[]}}')).toBe("logs");
  });

  it("gives up when the type does not come first", () => {
    expect(peekFrameType('{"data": {"type": "x"}, "type": "progress"}')).toBeNull();
  });

  it("gives up on a type with an escape", () => {
    expect(peekFrameType('{"type": "pro\\"gress", "data": {}}')).toBeNull();
  });
});
