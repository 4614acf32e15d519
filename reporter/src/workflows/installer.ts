/**
 * One action that installs what a workflow is missing: model files through the download
 * queue, node packs through a git install (or ComfyUI-Manager for registry-only packs), then a
 * ComfyUI restart when packs changed.
 */
import { posix } from "node:path";

import type { AddDownloadRequest, AddDownloadResult, CommandResultData, ModelStatus } from "@comfycarry/shared";

import type { Logger } from "../log/logger.js";
import type { WorkflowsService } from "./service.js";

export interface InstallerDeps {
  service: WorkflowsService;
  /** The download queue; null when aria2 could not start, so models stay unresolved with that reason. */
  addDownload: ((request: AddDownloadRequest) => Promise<AddDownloadResult>) | null;
  /** Clones a pack into custom_nodes and installs its requirements under the torch constraints. */
  installGit: (url: string) => Promise<{ name: string }>;
  /** Queues a registry install in ComfyUI-Manager. */
  installById: (id: string) => Promise<unknown>;
  restart: () => Promise<unknown>;
  /** Called with each queued job and the hash the workflow publishes, so the file is checked when it lands. */
  expectHash: (jobId: string, sha256: string) => void;
  log: Logger;
}

type InstallResult = CommandResultData<"workflows.install_missing">;

/** Returns the queue folder for a model: its folder key plus any subfolder of its name, so the file lands where the workflow looks. */
function targetFolder(model: ModelStatus): string | null {
  if (model.folder === null) {
    return null;
  }
  const subfolder = posix.dirname(model.name);
  return subfolder === "." ? model.folder : `${model.folder}/${subfolder}`;
}

async function queueModels(deps: InstallerDeps, models: ModelStatus[], result: InstallResult): Promise<void> {
  for (const model of models) {
    const folder = targetFolder(model);
    const source = model.sources.find((candidate) => candidate.kind !== "remote");
    if (folder === null || source === undefined || deps.addDownload === null) {
      result.unresolved_models.push({ folder: model.folder, name: model.name });
      continue;
    }
    const added = await deps.addDownload({ url: source.url, folder });
    if (added.outcome === "added") {
      result.download_ids.push(added.job.id);
      if (model.sha256 !== null) {
        deps.expectHash(added.job.id, model.sha256);
      }
      deps.log.info({ job: added.job.id, folder, name: model.name }, "missing model queued for download");
    } else if (added.outcome === "refused") {
      deps.log.warn({ folder, name: model.name, reason: added.error.code }, "download queue rejected a missing model");
      result.unresolved_models.push({ folder: model.folder, name: model.name });
    }
    // "duplicate": the same file is already queued or installed under another name; nothing to add.
  }
}

export async function installMissing(deps: InstallerDeps, path: string, restart: boolean): Promise<InstallResult> {
  const file = (await deps.service.files.list()).find((entry) => entry.path === path);
  if (file === undefined) {
    await deps.service.files.read(path);
  }
  const summary = await deps.service.summary(file ?? { path, size: 0, modifiedAt: new Date() }, await deps.service.installedPacksNow());
  const result: InstallResult = { download_ids: [], unresolved_models: [], installed_packs: [], failed_packs: [], unknown_classes: [], restarted: false };

  await queueModels(deps, summary.models.filter((model) => model.required && !model.present), result);

  for (const pack of summary.custom_nodes.filter((entry) => entry.required && !entry.present)) {
    if (pack.repository === null && pack.id === null) {
      result.unknown_classes.push(...pack.class_types);
      continue;
    }
    try {
      if (pack.repository !== null) {
        // NOTE: the pack is installed at its default branch head; the commit the workflow recorded is not checked out.
        const installed = await deps.installGit(pack.repository);
        result.installed_packs.push(installed.name);
      } else if (pack.id !== null) {
        await deps.installById(pack.id);
        result.installed_packs.push(pack.id);
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      deps.log.error({ err: error, repository: pack.repository, id: pack.id, path }, "node pack install failed");
      result.failed_packs.push({ repository: pack.repository ?? pack.id ?? "", message: message.slice(0, 2000) });
    }
  }

  if (result.installed_packs.length > 0) {
    deps.service.catalog.invalidate();
    if (restart) {
      await deps.restart();
      result.restarted = true;
      deps.log.info({ path, packs: result.installed_packs }, "ComfyUI restarted to load the new node packs");
    }
  }
  return result;
}
