import { describe, expect, it } from "vitest";

import { readProgressData, readProgressFrame } from "../../src/comfyui/progress-frame.js";

describe("readProgressFrame", () => {
  it("reads a ComfyUI progress frame", () => {
    const frame = readProgressFrame('{"type": "progress", "data": {"value": 3, "max": 20, "prompt_id": "p1", "node": "3"}}');
    expect(frame).toEqual({ type: "progress", data: { value: 3, max: 20, prompt_id: "p1", node: "3" } });
  });

  it("accepts missing prompt id, null node", () => {
    expect(readProgressFrame('{"type":"progress","data":{"value":1,"max":2,"node":null}}')?.data).toEqual({ value: 1, max: 2, node: null, prompt_id: undefined });
  });

  it("rejects invalid JSON", () => {
    expect(readProgressFrame('{"type": "progress", "data": {')).toBeNull();
  });

  it("rejects another frame type", () => {
    expect(readProgressFrame('{"type": "progress_state", "data": {"value": 1, "max": 2}}')).toBeNull();
  });

  it("rejects a frame without data", () => {
    expect(readProgressFrame('{"type": "progress"}')).toBeNull();
  });
});

describe("readProgressData", () => {
  it("rejects a string value", () => {
    expect(readProgressData({ value: "3", max: 20 })).toBeNull();
  });

  it("rejects a missing max", () => {
    expect(readProgressData({ value: 3 })).toBeNull();
  });

  it("rejects a numeric prompt id", () => {
    expect(readProgressData({ value: 3, max: 20, prompt_id: 7 })).toBeNull();
  });

  it("rejects a numeric node", () => {
    expect(readProgressData({ value: 3, max: 20, node: 4 })).toBeNull();
  });

  it("rejects an array", () => {
    expect(readProgressData([3, 20])).toBeNull();
  });

  it("drops unread fields", () => {
    expect(readProgressData({ value: 3, max: 20, extra: true })).toEqual({ value: 3, max: 20, prompt_id: undefined, node: undefined });
  });
});
