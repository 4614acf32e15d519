/**
 * Checks a finished download against the SHA-256 its workflow publishes. The download queue
 * checks the host's own hash, and this class checks the workflow's `properties.models` hash.
 * A file that does not match is removed, so the model stays missing rather than loading wrong weights.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";

import type { DownloadJob } from "@comfycarry/shared";

import type { Logger } from "../log/logger.js";
import { sha256File } from "../models/hash-file.js";

export class WorkflowHashCheck {
  readonly #expected = new Map<string, string>();

  constructor(
    private readonly modelsDir: string,
    private readonly log: Logger,
  ) {}

  expect(jobId: string, sha256: string): void {
    this.#expected.set(jobId, sha256);
  }

  /** Takes every job event; returns the check's promise for a finished job with an expected hash. */
  onJob(job: DownloadJob): Promise<boolean> | null {
    const expected = this.#expected.get(job.id);
    if (expected === undefined || (job.status !== "completed" && job.status !== "failed" && job.status !== "canceled")) {
      return null;
    }
    this.#expected.delete(job.id);
    if (job.status !== "completed" || job.file_name === null) {
      return null;
    }
    return this.#check(join(this.modelsDir, job.folder, job.file_name), expected, job.id);
  }

  async #check(path: string, expected: string, jobId: string): Promise<boolean> {
    const actual = await sha256File(path);
    if (actual === expected) {
      this.log.info({ job: jobId, path }, "downloaded model matches the workflow's SHA-256");
      return true;
    }
    await rm(path, { force: true });
    this.log.error({ job: jobId, path, expected, actual }, "downloaded model does not match the workflow's SHA-256; file removed");
    return false;
  }
}
