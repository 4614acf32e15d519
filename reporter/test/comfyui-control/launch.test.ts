import { ComfyCarryError } from "@comfycarry/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createHarness, processArgs } from "./helpers/harness.js";
import type { Harness } from "./helpers/harness.js";

let harness: Harness;

async function rejection(promise: Promise<unknown>): Promise<ComfyCarryError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ComfyCarryError)) {
    throw new Error(`expected a ComfyCarryError, got ${String(error)}`);
  }
  return error;
}

beforeAll(async () => {
  harness = await createHarness();
  await harness.call("comfyui.start", {});
}, 60_000);

afterAll(async () => {
  await harness.close();
});

describe("launch options", () => {
  it("starts ComfyUI on 127.0.0.1 by default", async () => {
    const status = await harness.call("comfyui.status");

    expect(await processArgs(status.process.pid ?? 0)).toEqual(["--listen", "127.0.0.1", "--port", String(harness.port)]);
  });

  it("rejects an unknown option by name before any restart", async () => {
    const before = await harness.call("comfyui.status");

    const error = await rejection(harness.call("comfyui.launch.set", { options: { extra_args: "--lowvram --no-such-flag" } as never }));

    expect(error.code).toBe("invalid_arguments");
    expect(error.params?.["option"]).toBe("--no-such-flag");
    expect((await harness.call("comfyui.status")).process.pid).toBe(before.process.pid);
  });

  it("rejects a shell operator in the extra arguments", async () => {
    const error = await rejection(harness.call("comfyui.launch.check", { options: { extra_args: "--cpu ; touch /tmp/x" } as never }));

    expect(error.params?.["option"]).toBe(";");
  });

  it("rejects a value outside the listed choices", async () => {
    const error = await rejection(harness.call("comfyui.launch.check", { options: { extra_args: "--default-hashing-function crc32" } as never }));

    expect(error.params?.["option"]).toBe("--default-hashing-function");
  });

  it("rejects two memory modes together", async () => {
    const error = await rejection(harness.call("comfyui.launch.check", { options: { vram_mode: "lowvram", extra_args: "--highvram" } as never }));

    expect(error.params?.["option"]).toBe("--highvram");
  });

  it("rejects --listen in the extra arguments", async () => {
    const error = await rejection(harness.call("comfyui.launch.check", { options: { extra_args: "--listen=0.0.0.0" } as never }));

    expect(error.params?.["option"]).toBe("--listen");
  });

  it("restarts ComfyUI with exactly the planned arguments", async () => {
    const options = { vram_mode: "lowvram", preview_method: "auto", fast: ["fp16_accumulation"], extra_args: "--reserve-vram 1.5 --disable-metadata 'x'" };
    await rejection(harness.call("comfyui.launch.check", { options } as never));
    const valid = { ...options, extra_args: "--reserve-vram 1.5 --disable-metadata --preview-size '256'" };

    const result = await harness.call("comfyui.launch.set", { options: valid } as never);

    const expected = ["--listen", "127.0.0.1", "--port", String(harness.port), "--lowvram", "--preview-method", "auto", "--fast", "fp16_accumulation", "--reserve-vram", "1.5", "--disable-metadata", "--preview-size", "256"];
    expect(result.args).toEqual(expected);
    expect(result.process?.online).toBe(true);
    expect(await processArgs(result.process?.pid ?? 0)).toEqual(expected);
  });

  it("shows a preview that quotes a path with spaces", async () => {
    const plan = await harness.call("comfyui.launch.check", { options: { output_directory: "/data/my outputs" } as never });

    expect(plan.preview).toContain("--output-directory '/data/my outputs'");
  });

  it("reports the saved options after a set", async () => {
    const saved = await harness.call("comfyui.launch.get");

    expect(saved.options.vram_mode).toBe("lowvram");
  });
});
