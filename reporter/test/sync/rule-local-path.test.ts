import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { ComfyCarryError } from "@comfycarry/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { validateRule } from "../../src/sync/engine/rule-validation.js";

// A rule's local path is rejected with a stable reason in the error params, which the
// dashboard turns into `sync.fieldErrors.<reason>`.

let workspaceDir = "";

beforeAll(async () => {
  workspaceDir = await mkdtemp(join(tmpdir(), "sync-rule-path-"));
});

afterAll(async () => {
  await rm(workspaceDir, { recursive: true, force: true });
});

function rule(localPath: string): Record<string, unknown> {
  return { name: "outputs", local_path: localPath, remote: "r2", remote_path: "out", direction: "push" };
}

async function rejection(localPath: string): Promise<ComfyCarryError> {
  const deps = { workspaceDir, listRemotes: () => Promise.resolve([{ name: "r2", type: "s3" }]), remoteFeatures: () => Promise.resolve(null) };
  try {
    await validateRule(rule(localPath), deps);
  } catch (error) {
    if (error instanceof ComfyCarryError) {
      return error;
    }
    throw error;
  }
  throw new Error(`local_path "${localPath}" was accepted`);
}

describe("rule local path", () => {
  it("rejects an empty path", async () => {
    const error = await rejection("");

    expect(error.code).toBe("invalid_arguments");
    expect(error.params).toEqual({ field: "local_path", reason: "empty" });
  });

  it("rejects a blank path", async () => {
    expect((await rejection("   ")).params?.["reason"]).toBe("empty");
  });

  it("rejects a dot-dot segment inside the workspace", async () => {
    const error = await rejection("ComfyUI/../ComfyUI/output");

    expect(error.params).toEqual({ field: "local_path", reason: "parent_segment" });
    expect(error.message).toContain('"ComfyUI/../ComfyUI/output"');
  });

  it("rejects a backslash dot-dot segment", async () => {
    expect((await rejection("ComfyUI\\..\\output")).params?.["reason"]).toBe("parent_segment");
  });

  it("rejects an absolute path outside", async () => {
    expect((await rejection("/etc")).params?.["reason"]).toBe("outside_workspace");
  });

  it("accepts a dotted folder name", async () => {
    const deps = { workspaceDir, listRemotes: () => Promise.resolve([{ name: "r2", type: "s3" }]), remoteFeatures: () => Promise.resolve(null) };

    const validated = await validateRule(rule("ComfyUI/output..old"), deps);

    expect(validated.localPath).toBe(join(workspaceDir, "ComfyUI/output..old"));
  });
});
