/** The deploy engine's `modelsToQueue()` provider: models the workflows need that a restore brings back. */
import { posix } from "node:path";

import type { ModelToQueue } from "../deploy/context.js";
import type { DownloadEngine } from "../downloads/engine.js";
import { modelPresent } from "./presence.js";
import type { WorkflowsService } from "./service.js";

/**
 * Lists required, missing models of folders whose pull policy is `restore`, with a download
 * source. On-demand folders are left to the prompt gate, and `never` folders are skipped.
 */
export function modelsToQueueFrom(service: WorkflowsService): () => Promise<ModelToQueue[]> {
  return async () => {
    const manifest = await service.instanceManifest();
    const queue: ModelToQueue[] = [];
    for (const model of manifest.models) {
      const source = model.sources.find((candidate) => candidate.kind !== "remote");
      if (!model.required || model.folder === null || source === undefined || service.policies.policyFor(model.folder) !== "restore") {
        continue;
      }
      if (await modelPresent(service.modelsDir, model)) {
        continue;
      }
      const subfolder = posix.dirname(model.name);
      queue.push({ url: source.url, folder: subfolder === "." ? model.folder : `${model.folder}/${subfolder}`, file_name: posix.basename(model.name) });
    }
    return queue;
  };
}

/** Queues one model of the list above in the download queue; a rejected link fails the deploy step with the queue's reason. */
export function queueModelWith(engine: DownloadEngine): (model: ModelToQueue) => Promise<void> {
  return async (model) => {
    const added = await engine.add({ url: model.url, folder: model.folder });
    if (added.outcome === "refused") {
      throw new Error(`the download queue rejected ${model.url}: ${added.error.message}`);
    }
  };
}
