import { createReadStream } from "node:fs";
import { link, rename, rm, stat, unlink } from "node:fs/promises";
import { createHash } from "node:crypto";

import { matchesExtension, readHead, sniff } from "./content-check.js";
import { DownloadFailure, tokenRequired } from "./failure.js";

export interface FinalizeInput {
  tempPath: string;
  finalPath: string;
  fileName: string;
  expectedBytes: number | null;
  sha256: string | null;
  /** Host of the user's link, named when the body turns out to be a sign-in page. */
  host: string;
}

/**
 * Checks a finished temp file (size, content by magic bytes, SHA-256) and moves it into
 * the model folder. A file that fails any check is deleted and never reaches its final
 * name. The move is a hard link plus unlink, so an existing file is never overwritten.
 */
export async function finalizeDownload(input: FinalizeInput): Promise<void> {
  try {
    await verify(input);
  } catch (error) {
    await removePartial(input.tempPath);
    throw error;
  }
  await commit(input.tempPath, input.finalPath, input.fileName);
}

async function verify(input: FinalizeInput): Promise<void> {
  const { size } = await stat(input.tempPath);
  const kind = sniff(await readHead(input.tempPath), size);
  if (kind === "html" || kind === "json") {
    throw tokenRequired(input.host);
  }
  if (input.expectedBytes !== null && size !== input.expectedBytes) {
    throw new DownloadFailure("size_mismatch", `downloaded ${size} bytes but ${input.host} published ${input.expectedBytes}; the file was discarded`, { actual_bytes: size, expected_bytes: input.expectedBytes });
  }
  if (!matchesExtension(input.fileName, kind)) {
    throw new DownloadFailure("content_invalid", `${input.fileName} does not start with a valid ${input.fileName.split(".").pop() ?? ""} header; the file was discarded`, { file_name: input.fileName, detected: kind });
  }
  if (input.sha256 !== null) {
    const actual = await sha256File(input.tempPath);
    if (actual !== input.sha256) {
      throw new DownloadFailure("hash_mismatch", `SHA-256 of ${input.fileName} is ${actual}, expected ${input.sha256}; the file was discarded`, { actual, expected: input.sha256 });
    }
  }
}

async function commit(tempPath: string, finalPath: string, fileName: string): Promise<void> {
  try {
    await link(tempPath, finalPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      await removePartial(tempPath);
      throw new DownloadFailure("target_exists", `${fileName} already exists in the model folder; delete or rename it, then retry`, { file_name: fileName });
    }
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP") {
      throw error;
    }
    // Filesystems without hard links: rename is still atomic, with a check for an existing file first.
    const exists = await stat(finalPath).then(() => true, () => false);
    if (exists) {
      await removePartial(tempPath);
      throw new DownloadFailure("target_exists", `${fileName} already exists in the model folder; delete or rename it, then retry`, { file_name: fileName });
    }
    await rename(tempPath, finalPath);
    return;
  }
  await unlink(tempPath);
}

/** Deletes a temp file and its aria2 control file. */
export async function removePartial(tempPath: string): Promise<void> {
  await rm(tempPath, { force: true });
  await rm(`${tempPath}.aria2`, { force: true });
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest("hex");
}
