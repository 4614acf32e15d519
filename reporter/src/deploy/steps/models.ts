/** Models: queue the downloads the workflows' manifests need, through the injected provider. */
import type { DeployStepDefinition } from "../context.js";

export const modelsStep: DeployStepDefinition = {
  id: "models",
  kind: "change",
  inputs: (context) => Promise.resolve({ comfyui: context.outcome("comfyui"), restore: context.outcome("restore") }),
  async run(context) {
    const models = await context.deps.modelsToQueue();
    if (models.length === 0) {
      context.line("no models to queue");
      return { queued: [] };
    }
    const queue = context.deps.queueModel;
    if (queue === undefined) {
      context.line(`${models.length} models are needed but this reporter runs without the download queue`);
      return { queued: [] };
    }
    for (const model of models) {
      await queue(model);
      context.line(`queued ${model.file_name ?? model.url} into ${model.folder}`);
    }
    return { queued: models.map((model) => model.url).sort() };
  },
};
