import type { ComfyuiHttp } from "../comfyui/http.js";
import { unavailableComfyuiControl } from "../comfyui-control/index.js";
import type { ComfyuiControlHandlers } from "../comfyui-control/index.js";
import { unavailableDeployHandlers } from "../deploy/handlers.js";
import type { DeployHandlers } from "../deploy/handlers.js";
import { unavailableModels } from "../models/handlers.js";
import type { ModelsHandlers } from "../models/handlers.js";
import type { ServiceManager } from "../snapshot/sources.js";
import { unavailableSecretsHandlers } from "../secrets/handlers.js";
import type { SecretsHandlers } from "../secrets/handlers.js";
import { unavailableSyncHandlers } from "../sync/handlers.js";
import type { SyncHandlers } from "../sync/handlers.js";
import { unavailableTunnelHandlers } from "../tunnel/handlers.js";
import type { TunnelHandlers } from "../tunnel/handlers.js";
import { unavailableGalleryHandlers } from "../gallery/handlers.js";
import type { CommandHandlers } from "./executor.js";
import { unavailableWorkflowsHandlers } from "../workflows/handlers.js";
import { unavailableHealthHandlers } from "../health/handlers.js";
import { unavailableLogsHandlers } from "../log/handlers.js";

/** Builds the handler of every allowlisted command; none of them runs a shell. Features pass theirs in. */
export function createCommandHandlers(
  services: ServiceManager,
  comfyui: ComfyuiHttp,
  comfyuiControl: ComfyuiControlHandlers = unavailableComfyuiControl(),
  sync: SyncHandlers = unavailableSyncHandlers(),
  models: ModelsHandlers = unavailableModels(),
  secrets: SecretsHandlers = unavailableSecretsHandlers(),
  deploy: DeployHandlers = unavailableDeployHandlers(),
  tunnel: TunnelHandlers = unavailableTunnelHandlers(),
): CommandHandlers {
  const serviceResult = (service: Awaited<ReturnType<ServiceManager["start"]>>) => ({
    name: service.name,
    status: service.status,
    restarts: service.restarts,
    pid: service.pid,
  });

  return {
    // app.ts spreads the running gallery's handlers over these.
    ...unavailableGalleryHandlers("the gallery did not start"),
    // app.ts spreads the real health report over this.
    ...unavailableHealthHandlers(),
    ...unavailableLogsHandlers(),
    // app.ts spreads the running workflows feature's handlers over these.
    ...unavailableWorkflowsHandlers("the workflows feature did not start"),
    ...comfyuiControl,
    ...sync,
    ...models,
    ...secrets,
    ...deploy,
    ...tunnel,

    "service.start": async ({ name }) => serviceResult(await services.start(name)),
    "service.stop": async ({ name }) => serviceResult(await services.stop(name)),
    "service.restart": async ({ name }) => serviceResult(await services.restart(name)),

    "comfyui.interrupt": async ({ prompt_id: promptId }, { signal, log }) => {
      // ComfyUI answers /interrupt with 200 either way, so read the queue to tell whether anything stopped.
      const queue = await comfyui.queue(signal);
      const running = queue.queue_running[0]?.promptId ?? null;
      if (running === null || (promptId !== undefined && running !== promptId)) {
        log.info({ promptId: promptId ?? null, running }, "nothing to interrupt");
        return { interrupted: false };
      }
      await comfyui.interrupt(promptId, signal);
      log.info({ promptId: running }, "interrupt sent to ComfyUI");
      return { interrupted: true };
    },

    "comfyui.queue.clear": async (_args, { signal, log }) => {
      const queue = await comfyui.queue(signal);
      await comfyui.clearQueue(signal);
      log.info({ cleared: queue.queue_pending.length }, "pending queue cleared");
      return { cleared: queue.queue_pending.length };
    },
  };
}
