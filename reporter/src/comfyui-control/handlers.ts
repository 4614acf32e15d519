/** The command handlers of ComfyUI control, spread into the reporter's handler table. */
import { ComfyCarryError } from "@comfycarry/shared";
import { comfyuiControlCommands } from "@comfycarry/shared";

import type { CommandHandlers } from "../commands/executor.js";
import type { ComfyuiControl } from "./index.js";
import { QueueService } from "./queue/service.js";
import { VersionReader } from "./status.js";
import { currentRef, listTags } from "./version/checkout.js";

export type ComfyuiControlHandlers = Pick<CommandHandlers, keyof typeof comfyuiControlCommands>;


export function createComfyuiControlHandlers(control: ComfyuiControl): ComfyuiControlHandlers {
  const queue = new QueueService(control.settings.comfyuiUrl, async () => new Map((await control.prompts.list(500)).prompts.map((row) => [row.prompt_id, row.queued_at])));
  const versions = new VersionReader(control.settings.comfyuiUrl);
  return {
    "comfyui.status": async () => {
      const process = await control.process.status();
      return {
        process,
        version: process.online ? await versions.read() : { comfyui: null, pytorch: null, python: null },
        args: await control.process.runningArgs(),
        restart_needed: await control.launch.restartNeeded(),
      };
    },
    "comfyui.launch.get": () => control.launch.get(),
    "comfyui.launch.check": ({ options }) => control.launch.check(options),
    "comfyui.launch.set": ({ options, restart }, { signal }) => control.launch.set(options, restart, control.settings.startTimeoutS, signal),
    "comfyui.start": ({ wait_s: waitS }, { signal }) => control.process.start(waitS, signal),
    "comfyui.stop": () => control.process.stop(),
    "comfyui.restart": ({ wait_s: waitS }, { signal }) => control.process.restart(waitS, signal),

    "comfyui.logs.tail": ({ lines, follow, follow_s: followS }) => control.logs.tail(lines, follow ? followS : null),
    "comfyui.logs.older": async ({ before, lines }) => ({ lines: await control.logs.lines.before(before, lines) }),
    "comfyui.logs.search": ({ query, limit }) => control.logs.lines.search(query, limit),
    "comfyui.logs.download": ({ offset, length }) => control.logs.download(offset, length),

    "comfyui.version.list": async () => ({ current: await currentRef(control.settings.comfyuiDir), tags: await listTags(control.settings.comfyuiDir) }),
    "comfyui.version.switch": ({ tag, wait_s: waitS }, { signal }) => control.switchVersion(tag, waitS, signal),
    "comfyui.prompts.journal": ({ limit }) => control.prompts.list(limit),
    "comfyui.prompts.requeue": async ({ prompt_ids: promptIds }) => ({ requeued: await control.prompts.requeue(promptIds) }),
    "comfyui.queue.list": (_args, { signal }) => queue.list(signal),
    "comfyui.queue.delete": async ({ prompt_ids: promptIds }, { signal, log }) => {
      const result = await queue.delete(promptIds, signal);
      log.info({ deleted: result.deleted, notDeleted: result.not_deleted }, "pending prompts deleted from ComfyUI's queue");
      return result;
    },
    "comfyui.history.list": ({ limit }, { signal }) => queue.history(limit, signal),
    "comfyui.view.thumbnail": (target, { signal }) => queue.thumbnail(target, signal),
    "nodes.list": () => control.nodes.list(),
    "nodes.registry": ({ search, sort, offset, limit }) => control.nodes.registry(search, sort, offset, limit),
    "nodes.action": ({ action, id, version }) => control.nodes.action(action, id, version),
    "nodes.tasks": () => Promise.resolve({ tasks: control.nodes.tasks.list(), busy: control.nodes.tasks.busy }),
    "nodes.install_git": ({ url }, { signal }) => control.nodes.installGit(url, signal),
    "nodes.snapshot.save": () => control.nodes.snapshotSave(),
    "nodes.snapshot.restore": ({ snapshot }, { signal }) => control.nodes.snapshotRestore(snapshot, signal),
  };
}

/** Handlers for a reporter built without ComfyUI control (tests of other parts): each rejects. */
export function unavailableComfyuiControl(): ComfyuiControlHandlers {
  const reject = (): Promise<never> => Promise.reject(new ComfyCarryError("command_failed", "ComfyUI control is not set up in this reporter"));
  return Object.fromEntries(Object.keys(comfyuiControlCommands).map((name) => [name, reject])) as unknown as ComfyuiControlHandlers;
}
