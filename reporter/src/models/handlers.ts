/** The command handlers of the Models page, spread into the reporter's handler table. */
import { ComfyCarryError, modelsCommands } from "@comfycarry/shared";

import type { CommandHandlers } from "../commands/executor.js";
import type { DownloadEngine } from "../downloads/engine.js";
import { asCommand } from "./command-errors.js";
import type { ModelsFeature } from "./feature.js";
import { browseHuggingFace } from "./hf-browse.js";

export type ModelsHandlers = Pick<CommandHandlers, keyof typeof modelsCommands>;

const USER_AGENT = "ComfyCarry-reporter/0.1";
const TIMEOUT_MS = 30_000;

export function createModelsHandlers(feature: ModelsFeature): ModelsHandlers {
  const engine = (): DownloadEngine => {
    if (feature.engine === null) {
      throw new ComfyCarryError("command_failed", `the download queue is not running: ${feature.engineError ?? "unknown reason"}; check that aria2c is installed`);
    }
    return feature.engine;
  };
  const { library } = feature;

  return {
    "downloads.preview": (args) => asCommand(() => engine().preview(args)),
    "downloads.add": (args) => asCommand(() => engine().add(args)),
    "downloads.pause": ({ id }) => asCommand(() => engine().pause(id)),
    "downloads.resume": ({ id }) => asCommand(() => engine().resume(id)),
    "downloads.cancel": ({ id }) => asCommand(() => engine().cancel(id)),
    "downloads.retry": ({ id }) => asCommand(() => engine().retry(id)),
    "downloads.reorder": ({ id, index }) => asCommand(async () => ({ jobs: engine().reorder(id, index) })),
    "downloads.list": () => asCommand(async () => ({ jobs: engine().list() })),

    "models.list": async (args) => library.list(args),
    "models.details": ({ path }) => library.details(path),
    "models.delete": ({ path }, { log }) => {
      log.info({ path }, "deleting a model file");
      return library.delete(path);
    },
    "models.duplicates": async () => ({ groups: library.duplicates() }),
    "models.rescan": () => library.rescan(),
    "models.civitai.search": (args, { signal }) => asCommand(() => feature.search.search(args, signal)),
    "models.hf.browse": (args) =>
      asCommand(() => browseHuggingFace(args, { hosts: feature.hosts, tokens: feature.tokens, userAgent: USER_AGENT, timeoutMs: TIMEOUT_MS })),
  };
}

/** Handlers for a reporter built without the Models feature (tests of other parts): each refuses. */
export function unavailableModels(): ModelsHandlers {
  const reject = (): Promise<never> => Promise.reject(new ComfyCarryError("command_failed", "downloads and the model library are not set up in this reporter"));
  return Object.fromEntries(Object.keys(modelsCommands).map((name) => [name, reject])) as unknown as ModelsHandlers;
}
