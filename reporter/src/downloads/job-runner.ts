import { stat } from "node:fs/promises";
import { join } from "node:path";

import type { Logger } from "../log/logger.js";
import type { Aria2Rpc, Aria2Status } from "./aria2/rpc-client.js";
import { scrubAria2Line } from "./aria2/supervisor.js";
import { readControlFile, resumableBytes } from "./control-file.js";
import { recoverWrittenBlocks } from "./control-recovery.js";
import { assertFits, freeBytes } from "./disk-space.js";
import { asFailure, DownloadFailure } from "./failure.js";
import { finalizeDownload, removePartial } from "./finalize.js";
import type { HostRegistry, TokenSource } from "./hosts.js";
import { normaliseLink } from "./links.js";
import { prepareTargetDir, targetFile } from "./model-folders.js";
import { tempNameFor } from "./partials.js";
import type { JobRecord, QueueStore } from "./queue-store.js";
import { resolveSource } from "./resolve-source.js";

export interface RunnerContext {
  store: QueueStore;
  rpc: () => Aria2Rpc | null;
  hosts: HostRegistry;
  tokens: TokenSource;
  userAgent: string;
  timeoutMs: number;
  modelsRoot: string;
  connectionsPerFile: number;
  /** aria2 `min-split-size`, e.g. `1M`; aria2 accepts 1M–1024M. */
  minSplitSize: string;
  /** Re-resolutions of an expired presigned URL allowed without progress in between. */
  maxReresolves: number;
  logger: Logger;
  emit: (job: JobRecord) => void;
  /**
   * Jobs whose aria2 ended without saving its control file (reporter or aria2 killed). Only
   * their partial files can hold blocks the control file does not count; a paused or failed
   * download was saved by aria2 when it stopped.
   */
  unsaved: Set<string>;
}

/** aria2 exit codes (aria2c manual, "EXIT STATUS") the engine treats specially. */
const ARIA2_DISK_FULL = "9";
const ARIA2_HTTP_CODES = new Set(["22", "24"]);

/** aria2 exit codes for a timeout (2) and a network problem (6), such as a connection the server dropped. */
const ARIA2_NETWORK_CODES = new Set(["2", "6"]);

/** Marks a job failed with `error`, keeping or deleting its partial file. */
export async function failJob(context: RunnerContext, job: JobRecord, error: unknown, keepPartial: boolean): Promise<void> {
  const failure = asFailure(error);
  if (!keepPartial && job.temp_name !== null) {
    await removePartial(join(await prepareTargetDir(context.modelsRoot, job.folder), job.temp_name)).catch(() => undefined);
  }
  context.logger.warn({ job: job.id, code: failure.code, err_message: failure.message }, "download failed");
  context.emit(context.store.update(job.id, { status: "failed", gid: null, speed_bytes_per_s: 0, error: failure.toInfo(), finished_at: new Date().toISOString() }));
}

/**
 * Starts or resumes a job: resolves the link again (presigned URLs expire), checks the
 * partial file's control file, checks free space and hands the final URL to aria2.
 */
export async function startJob(context: RunnerContext, job: JobRecord): Promise<void> {
  const log = context.logger.child({ job: job.id });
  try {
    const rpc = context.rpc();
    if (rpc === null) {
      throw new DownloadFailure("transfer_failed", "aria2 is not running; the download will start when it is back", {}, true);
    }
    const link = normaliseLink(job.url, context.hosts);
    const resolved = await resolveSource(link, context, job.civitai_file_id ?? undefined);
    const fileName = job.file_name ?? resolved.fileName;
    const total = resolved.totalBytes ?? job.total_bytes;
    const dir = await prepareTargetDir(context.modelsRoot, job.folder);
    const finalPath = targetFile(dir, fileName);
    if (await exists(finalPath)) {
      throw new DownloadFailure("target_exists", `${fileName} already exists in the model folder; delete or rename it, then retry`, { file_name: fileName });
    }

    const tempName = job.temp_name ?? tempNameFor(fileName, job.id);
    const tempPath = join(dir, tempName);
    const onDisk = await checkPartial(tempPath, job.total_bytes !== null && total !== job.total_bytes ? -1 : total, context.unsaved.has(job.id), log);
    context.unsaved.delete(job.id);
    if (total !== null) {
      assertFits(total, onDisk, await freeBytes(dir), dir);
    }

    const options: Record<string, string | string[]> = {
      dir,
      out: tempName,
      split: String(context.connectionsPerFile),
      "max-connection-per-server": String(context.connectionsPerFile),
      "min-split-size": context.minSplitSize,
      "user-agent": context.userAgent,
    };
    const headers = Object.entries(resolved.transferHeaders).map(([name, value]) => `${name}: ${value}`);
    if (headers.length > 0) {
      // NOTE: only when the link's own host serves the bytes without a redirect. aria2 has no
      // switch to stop following redirects, so a later redirect from that host would carry the header.
      options.header = headers;
    }
    if (context.store.require(job.id).status !== "queued") {
      // Paused or canceled while the link was resolving: leave it as the user set it.
      return;
    }
    const gid = await rpc.addUri([resolved.transferUrl], options);
    log.info({ gid, file_name: fileName, total_bytes: total, resumed_bytes: onDisk }, "download started");
    context.emit(
      context.store.update(job.id, {
        status: "active",
        gid,
        temp_name: tempName,
        file_name: fileName,
        total_bytes: total,
        sha256: job.sha256 ?? resolved.sha256,
        downloaded_bytes: onDisk,
      }),
    );
  } catch (error) {
    const failure = asFailure(error);
    if (failure.transient && context.rpc() === null) {
      context.store.update(job.id, { status: "queued", gid: null });
      return;
    }
    // The partial stays: after the user adds a token or frees space, a retry resumes it.
    await failJob(context, context.store.require(job.id), failure, true);
  }
}

/**
 * Returns the bytes a partial file can resume from. A temp file without a valid control
 * file (missing, emptied, corrupt, or for another size) is deleted so aria2 starts that file
 * from zero instead of trusting bytes it cannot vouch for. `expectedTotal` -1 means the
 * remote file changed size, which also restarts it. `unsaved` means aria2 was killed while
 * the job ran, so the partial file is first searched for blocks written after the last save.
 */
async function checkPartial(tempPath: string, expectedTotal: number | null, unsaved: boolean, log: Logger): Promise<number> {
  const hasTemp = await exists(tempPath);
  if (hasTemp && unsaved && expectedTotal !== -1) {
    const { recoveredBytes } = await recoverWrittenBlocks(tempPath, `${tempPath}.aria2`, expectedTotal);
    if (recoveredBytes > 0) {
      log.info({ temp: tempPath, recovered_bytes: recoveredBytes }, "kept blocks written after aria2's last save");
    }
  }
  const control = expectedTotal === -1 ? null : await readControlFile(`${tempPath}.aria2`, expectedTotal);
  if (hasTemp && control !== null) {
    return resumableBytes(control);
  }
  if (hasTemp || (await exists(`${tempPath}.aria2`))) {
    log.warn({ temp: tempPath }, "partial file has no valid control file; restarting it from zero");
    await removePartial(tempPath);
  }
  return 0;
}

/** Reads aria2's status for an active job and moves it on: progress, completion or failure. */
export async function pollJob(context: RunnerContext, job: JobRecord): Promise<void> {
  const rpc = context.rpc();
  if (rpc === null || job.gid === null) {
    return;
  }
  let status: Aria2Status;
  try {
    status = await rpc.tellStatus(job.gid);
  } catch (error) {
    // The gid is unknown after an aria2 restart; the restart handler re-queues the job.
    context.logger.debug({ job: job.id, err: error }, "aria2 status unavailable");
    return;
  }

  if (status.status === "complete") {
    await rpc.removeDownloadResult(status.gid).catch(() => undefined);
    await finalizeJob(context, context.store.update(job.id, { status: "verifying", gid: null, downloaded_bytes: status.completedLength, speed_bytes_per_s: 0 }));
    return;
  }
  if (status.status === "error") {
    await rpc.removeDownloadResult(status.gid).catch(() => undefined);
    await handleTransferError(context, job, status);
    return;
  }
  if (status.status === "active" || status.status === "waiting") {
    // Until the first response arrives, aria2 reports a total and a completed length of 0,
    // even for a resumed file it then continues. Keep the job's starting count until then.
    const downloaded = status.totalLength === 0 ? Math.max(status.completedLength, job.downloaded_bytes) : status.completedLength;
    const progressed = downloaded > job.downloaded_bytes;
    context.emit(
      context.store.update(job.id, {
        downloaded_bytes: downloaded,
        total_bytes: status.totalLength > 0 ? status.totalLength : job.total_bytes,
        speed_bytes_per_s: status.downloadSpeed,
        ...(progressed ? { reresolves: 0 } : {}),
      }),
    );
  }
}

async function handleTransferError(context: RunnerContext, job: JobRecord, status: Aria2Status): Promise<void> {
  const code = status.errorCode ?? "";
  const message = scrubAria2Line(status.errorMessage ?? "");
  const log = context.logger.child({ job: job.id });
  if (code === ARIA2_DISK_FULL || /no space left/i.test(message)) {
    await failJob(context, job, new DownloadFailure("disk_full", `the disk filled up while downloading ${job.file_name ?? ""}; the partial file was deleted. Free some space, then retry`, { aria2_code: code }), false);
    return;
  }
  const urlExpired = ARIA2_HTTP_CODES.has(code) && /\b(401|403)\b|expired|forbidden|unauthorized/i.test(message);
  if (urlExpired || ARIA2_NETWORK_CODES.has(code)) {
    // A presigned URL expired, or the store dropped the connection (it may have expired
    // meanwhile): resolve the link again and resume from the control file.
    if (job.reresolves < context.maxReresolves) {
      log.info({ aria2_code: code, attempt: job.reresolves + 1 }, "storage refused the transfer URL; resolving the link again");
      await startJob(context, context.store.update(job.id, { status: "queued", gid: null, reresolves: job.reresolves + 1 }));
      return;
    }
    const failure = urlExpired
      ? new DownloadFailure("link_expired", `the download URL kept expiring (${message}); retry later`, { aria2_code: code })
      : new DownloadFailure("transfer_failed", `the connection kept failing (aria2 code ${code}: ${message}); retry later`, { aria2_code: code });
    await failJob(context, job, failure, true);
    return;
  }
  await failJob(context, job, new DownloadFailure("transfer_failed", `aria2 failed with code ${code}: ${message}`, { aria2_code: code }), true);
}

/** Verifies a finished temp file and commits it into the model folder. */
export async function finalizeJob(context: RunnerContext, job: JobRecord): Promise<void> {
  try {
    if (job.temp_name === null || job.file_name === null) {
      throw new Error(`job ${job.id} reached verification without a temp file name`);
    }
    const dir = await prepareTargetDir(context.modelsRoot, job.folder);
    await finalizeDownload({
      tempPath: join(dir, job.temp_name),
      finalPath: targetFile(dir, job.file_name),
      fileName: job.file_name,
      expectedBytes: job.total_bytes,
      sha256: job.sha256,
      host: new URL(job.url).host,
    });
    context.logger.info({ job: job.id, file_name: job.file_name, folder: job.folder }, "download completed");
    context.emit(context.store.update(job.id, { status: "completed", temp_name: null, error: null, finished_at: new Date().toISOString() }));
  } catch (error) {
    await failJob(context, context.store.require(job.id), error, false);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
