import { mkdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";

import { ComfyCarryError } from "@comfycarry/shared";
import type { LibraryItem, ProtocolEvent } from "@comfycarry/shared";

import type { Logger } from "../log/logger.js";
import { lookUpHash } from "./civitai-lookup.js";
import type { LookupContext } from "./civitai-lookup.js";
import { confineModelPath, resolveRoots } from "./confine.js";
import type { ResolvedRoot } from "./confine.js";
import { ChangeNotifier } from "./change-notifier.js";
import { readExtraModelPaths } from "./extra-paths.js";
import { defaultRoots, isModelFile } from "./folders.js";
import { sha256File } from "./hash-file.js";
import { LibraryWatcher } from "./watcher.js";
import { scanRoots } from "./scan.js";
import { findSidecars } from "./sidecars.js";
import { LibraryStore } from "./store.js";
import type { ListQuery } from "./store.js";

export interface ModelLibraryOptions {
  /** ComfyUI's checkout; its `models` folder and `extra_model_paths.yaml` are read. */
  comfyuiDir: string;
  /** Further extra_model_paths.yaml files (ComfyUI's `--extra-model-paths-config`). */
  extraPathFiles: string[];
  /** Folder for the index database. */
  stateDir: string;
  /** CivitAI hash lookups; null turns them off. */
  lookup: LookupContext | null;
  log: Logger;
  emit: (event: ProtocolEvent) => void;
  /** Hashing waits while this returns true (a download is running), so it never competes for the disk. */
  isBusy?: () => boolean;
  /** Quiet time after the last file change before a rescan; 2 s unless set. */
  rescanDelayMs?: number;
  /** Watch the folders for changes; on unless false. */
  watch?: boolean;
  /** A failed CivitAI lookup is tried again after this long; 1 h unless set. */
  lookupRetryMs?: number;
  /** Pause between two CivitAI lookups, to stay far below its rate limits; 1 s unless set. */
  lookupIntervalMs?: number;
}

const IDLE_MS = 30_000;

/**
 * The local model library: scans ComfyUI's model folders into SQLite, rescans on change,
 * hashes files in the background (one at a time, never while a download runs) and looks
 * each hash up on CivitAI.
 */
export class ModelLibrary {
  readonly modelsDir: string;
  private readonly store: LibraryStore;
  private readonly notifier: ChangeNotifier;
  private readonly stopping = new AbortController();
  private roots: ResolvedRoot[] = [];
  private watcher: LibraryWatcher | null = null;
  private worker: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private scanning: Promise<{ files: number; added: number; removed: number; changed: number }> | null = null;

  private constructor(private readonly options: ModelLibraryOptions) {
    this.modelsDir = join(options.comfyuiDir, "models");
    this.store = new LibraryStore(join(options.stateDir, "models.sqlite"));
    this.notifier = new ChangeNotifier(options.emit);
  }

  /** Opens the index, scans once, then starts the watcher and the background hashing. */
  static async open(options: ModelLibraryOptions): Promise<ModelLibrary> {
    await mkdir(options.stateDir, { recursive: true, mode: 0o700 });
    const library = new ModelLibrary(options);
    await mkdir(library.modelsDir, { recursive: true });
    await library.rescan();
    if (options.watch !== false) {
      library.watcher = new LibraryWatcher({
        delayMs: options.rescanDelayMs ?? 2_000,
        onChange: () => void library.rescan().catch((error: unknown) => options.log.warn({ err: error }, "model library rescan failed")),
        log: options.log,
      });
      await library.watcher.watch(library.watchedPaths());
    }
    library.worker = library.work();
    return library;
  }

  /** Returns every folder ComfyUI searches for models, from its defaults and extra_model_paths.yaml. */
  private async configuredRoots(): Promise<ResolvedRoot[]> {
    const files = [join(this.options.comfyuiDir, "extra_model_paths.yaml"), ...this.options.extraPathFiles];
    const extra = (await Promise.all(files.map((file) => readExtraModelPaths(file, this.options.log)))).flat();
    return resolveRoots([...defaultRoots(this.modelsDir), ...extra]);
  }

  private watchedPaths(): string[] {
    const yamlFiles = [join(this.options.comfyuiDir, "extra_model_paths.yaml"), ...this.options.extraPathFiles];
    return [this.modelsDir, ...this.roots.map((root) => root.dir), ...yamlFiles];
  }

  /** Scans every root and updates the index; concurrent calls share one scan. */
  rescan(): Promise<{ files: number; added: number; removed: number; changed: number }> {
    this.scanning ??= this.runScan().finally(() => {
      this.scanning = null;
    });
    return this.scanning;
  }

  private async runScan(): Promise<{ files: number; added: number; removed: number; changed: number }> {
    this.roots = await this.configuredRoots();
    void this.watcher?.watch(this.watchedPaths());
    const files = await scanRoots(this.roots, this.options.log);
    const result = this.store.replaceFiles(files);
    const changes = result.added + result.removed + result.changed;
    if (changes > 0) {
      this.options.log.info({ files: files.length, ...result }, "model library changed");
      this.notifier.note("scan", changes);
      this.wake?.();
    }
    return { files: files.length, ...result };
  }

  list(query: ListQuery): { items: LibraryItem[]; total: number; folders: ReturnType<LibraryStore["folders"]>; hash_pending: number; scanned_at: string | null } {
    return { ...this.store.list(query), folders: this.store.folders(), hash_pending: this.store.hashPending(), scanned_at: this.store.scannedAt() };
  }

  async details(input: string): Promise<{ item: LibraryItem; sidecars: string[]; duplicates: string[] }> {
    const { path } = await confineModelPath(this.roots, input);
    const item = this.store.item(path);
    if (item === null) {
      throw new ComfyCarryError("not_found", `model file ${input} is not in the library; rescan it`, { path: input });
    }
    const duplicates = item.sha256 === null ? [] : this.store.pathsWithHash(item.sha256).filter((other) => other !== path);
    return { item, sidecars: await findSidecars(path, this.roots), duplicates };
  }

  /** Deletes a model file and its sidecar files after confining every path to the model folders. */
  async delete(input: string): Promise<{ deleted: string[] }> {
    const { path } = await confineModelPath(this.roots, input);
    const info = await stat(path);
    if (!info.isFile() || !isModelFile(path.split("/").pop() ?? "")) {
      throw new ComfyCarryError("invalid_arguments", `${input} is not a model file; only model files (and their sidecars) can be deleted`, { path: input });
    }
    const sidecars = await findSidecars(path, this.roots);
    await unlink(path);
    const deleted = [path];
    for (const sidecar of sidecars) {
      await unlink(sidecar).then(
        () => deleted.push(sidecar),
        (error: unknown) => this.options.log.warn({ path: sidecar, err: error }, "sidecar file could not be deleted"),
      );
    }
    this.store.remove(path);
    this.options.log.info({ path, sidecars: deleted.length - 1 }, "model file deleted");
    this.notifier.note("delete", deleted.length);
    return { deleted };
  }

  duplicates(): ReturnType<LibraryStore["duplicates"]> {
    return this.store.duplicates();
  }

  /** Path of a listed file with this SHA-256, for the download queue's duplicate check. */
  installedFileWithHash(sha256: string): string | null {
    return this.store.pathsWithHash(sha256.toLowerCase())[0] ?? null;
  }

  /**
   * Records the hash of a file the download queue verified, so it is not read again. The
   * file is stat-ed now; a later change of size or mtime invalidates the entry as usual.
   */
  async adoptHash(path: string, sha256: string): Promise<void> {
    const info = await stat(path).catch(() => null);
    if (info?.isFile() === true) {
      this.store.setHash(path, info.size, Math.round(info.mtimeMs), sha256.toLowerCase());
      await this.rescan();
      this.wake?.();
    }
  }

  async close(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    await this.watcher?.close();
    await this.worker;
    await this.scanning?.catch(() => undefined);
    this.notifier.flush();
    this.store.close();
  }

  /** Runs the background loop: hash the next file, else look up the next hash, else wait. */
  private async work(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      try {
        if (this.options.isBusy?.() === true) {
          await this.sleep(2_000);
          continue;
        }
        const file = this.store.nextToHash();
        if (file !== null) {
          await this.hashOne(file);
          continue;
        }
        const retryBefore = new Date(Date.now() - (this.options.lookupRetryMs ?? 3_600_000)).toISOString();
        const sha = this.options.lookup === null ? null : this.store.nextToLookUp(retryBefore);
        if (sha !== null && this.options.lookup !== null) {
          await this.lookUpOne(sha, this.options.lookup);
          await this.sleep(this.options.lookupIntervalMs ?? 1_000);
          continue;
        }
        await this.sleep(IDLE_MS);
      } catch (error) {
        this.options.log.error({ err: error }, "model library background work failed; retrying later");
        await this.sleep(IDLE_MS);
      }
    }
  }

  private async hashOne(file: { path: string; size: number; mtimeMs: number }): Promise<void> {
    const started = Date.now();
    try {
      const sha = await sha256File(file.path, this.stopping.signal);
      const after = await stat(file.path);
      if (after.size !== file.size || Math.round(after.mtimeMs) !== file.mtimeMs) {
        // Written to while hashing: the next scan lists the new version, which is hashed then.
        return;
      }
      this.store.setHash(file.path, file.size, file.mtimeMs, sha);
      this.options.log.debug({ path: file.path, size: file.size, ms: Date.now() - started }, "model file hashed");
      this.notifier.note("hash", 1);
    } catch (error) {
      if (this.stopping.signal.aborted) {
        return;
      }
      this.options.log.warn({ path: file.path, err: error }, "model file could not be hashed");
      this.store.setHashError(file.path, error instanceof Error ? error.message : String(error));
    }
  }

  private async lookUpOne(sha256: string, context: LookupContext): Promise<void> {
    const result = await lookUpHash(sha256, context);
    if (result.state === "error") {
      this.options.log.warn({ sha256, reason: result.message }, "CivitAI hash lookup failed; retrying later");
    }
    this.store.setLookup(sha256, result.state, result.state === "found" ? result.info : null);
    this.notifier.note("civitai", 1);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
      if (this.stopping.signal.aborted) {
        done();
      }
    });
  }
}
