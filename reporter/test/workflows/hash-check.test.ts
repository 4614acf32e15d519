import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import type { DownloadJob } from "@comfycarry/shared";

import { WorkflowHashCheck } from "../../src/workflows/hash-check.js";
import { addModel, silentLog, tempComfyui } from "./helpers.js";
import type { TempComfyui } from "./helpers.js";

let layout: TempComfyui;

beforeEach(async () => {
  layout = await tempComfyui();
});
afterEach(async () => {
  await layout.close();
});

function job(status: DownloadJob["status"]): DownloadJob {
  return {
    id: "job-1",
    position: 0,
    status,
    source_kind: "huggingface",
    url: "https://huggingface.co/a/b/resolve/main/m.safetensors",
    folder: "checkpoints",
    file_name: "m.safetensors",
    total_bytes: 4,
    downloaded_bytes: 4,
    speed_bytes_per_s: 0,
    sha256: null,
    error: null,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    finished_at: null,
  };
}

describe("workflow hash check", () => {
  it("keeps a file that matches", async () => {
    const path = await addModel(layout, "checkpoints", "m.safetensors", "good");
    const check = new WorkflowHashCheck(layout.modelsDir, silentLog);
    check.expect("job-1", createHash("sha256").update("good").digest("hex"));

    expect(await check.onJob(job("completed"))).toBe(true);
    expect(existsSync(path)).toBe(true);
  });

  it("removes a file that does not match", async () => {
    const path = await addModel(layout, "checkpoints", "m.safetensors", "evil");
    const check = new WorkflowHashCheck(layout.modelsDir, silentLog);
    check.expect("job-1", createHash("sha256").update("good").digest("hex"));

    expect(await check.onJob(job("completed"))).toBe(false);
    expect(existsSync(path)).toBe(false);
  });

  it("ignores jobs still running", () => {
    const check = new WorkflowHashCheck(layout.modelsDir, silentLog);
    check.expect("job-1", "0".repeat(64));
    expect(check.onJob(job("active"))).toBeNull();
  });
});
