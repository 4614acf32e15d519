import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";

import { NVIDIA_SMI } from "./run.js";

let dir = "";

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("bin/nvidia-smi", () => {
  it("names the build command when dist is missing", async () => {
    dir = await mkdtemp(join(tmpdir(), "fake-nvidia-smi-wrapper-"));
    await mkdir(join(dir, "bin"));
    const copy = join(dir, "bin", "nvidia-smi");
    await copyFile(NVIDIA_SMI, copy);

    const failure = await promisify(execFile)(copy, ["-L"]).then(
      () => null,
      (error: unknown) => error as { code: number; stderr: string },
    );

    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain("run npm run build -w @comfycarry/fake-nvidia-smi");
  });
});
