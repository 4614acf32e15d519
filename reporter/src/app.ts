import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { EDGE_FEATURE_SECRET_UPDATE, REPORTER_TOKEN_NAMES } from "@comfycarry/shared";
import type { ProtocolEvent, ReporterTokenName, WireError } from "@comfycarry/shared";

import { startAccessProxy } from "./access-proxy/index.js";
import { accessProxyOrigin } from "./access-proxy/address.js";
import type { RunningAccessProxy } from "./access-proxy/index.js";
import { ComfyuiBridge } from "./comfyui/bridge.js";
import { ComfyuiHttp } from "./comfyui/http.js";
import { ComfyuiMonitor } from "./comfyui/monitor.js";
import { ComfyuiProxy } from "./comfyui/proxy/server.js";
import { comfyuiSection } from "./comfyui/section.js";
import { ComfyuiControl, createComfyuiControlHandlers } from "./comfyui-control/index.js";
import { pokeOnComfyuiChange } from "./comfyui/service-watch.js";
import { CommandExecutor } from "./commands/executor.js";
import { createCommandHandlers } from "./commands/handlers.js";
import { CommandStore } from "./commands/store.js";
import { startDeployOrNull } from "./deploy/feature.js";
import type { ReporterConfig } from "./config/load.js";
import { reporterSocketUrl } from "./config/load.js";
import { mountGalleryRoutes, startGalleryOrNull } from "./gallery/feature.js";
import { syncSourceFrom } from "./gallery/sync-source.js";
import { EdgeLink } from "./link/edge-link.js";
import { createHealthHandlers } from "./health/handlers.js";
import { logDir } from "./log/files.js";
import { createLogsHandlers } from "./log/handlers.js";
import { helloBuilder } from "./link/hello.js";
import type { Logger } from "./log/logger.js";
import { ModelsFeature } from "./models/feature.js";
import { createModelsHandlers } from "./models/handlers.js";
import { TokenFiles, afterSyncStart, createSecretsHandlers, heldSecretsBuilder } from "./secrets/index.js";
import { SnapshotAssembler } from "./snapshot/assembler.js";
import type { GpuSource, ServiceManager, SystemSource } from "./snapshot/sources.js";
import { createSyncHandlers } from "./sync/handlers.js";
import { SyncService } from "./sync/service/sync-service.js";
import { syncSettings } from "./sync/service/settings.js";
import { TunnelFeature, createTunnelHandlers, tunnelEnvSettings } from "./tunnel/index.js";
import type { TunnelFeatureOptions } from "./tunnel/index.js";
import { REPORTER_VERSION } from "./version.js";
import { startWorkflowsOrNull } from "./workflows/feature.js";

/** The host-facing parts, created by main.ts and replaced by fakes in tests. */
export interface ReporterParts {
  system: SystemSource;
  gpus: GpuSource & { start?: () => void; stop?: () => Promise<void> | void };
  services: ServiceManager & { close?: () => Promise<void> };
}

export interface RunningReporter {
  proxyPort: number;
  /** The login-protected proxy the tunnel points at. */
  access: RunningAccessProxy;
  bridge: ComfyuiBridge;
  link: EdgeLink;
  /** Closes sockets, stops timers and children, and closes the command store. */
  stop(): Promise<void>;
}

const PRUNE_INTERVAL_MS = 60 * 60_000;

/** Wires and starts every part of the reporter. */
export async function startReporter(config: ReporterConfig, parts: ReporterParts, root: Logger, onFatal: (error: WireError) => void): Promise<RunningReporter> {
  const log = root.child({ instanceId: config.instanceId });

  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  const store = new CommandStore({ path: join(config.stateDir, "commands.sqlite") });
  const interrupted = store.closeInterrupted();
  if (interrupted > 0) {
    log.warn({ interrupted }, "commands cut off by the previous reporter stop were marked failed");
  }
  store.prune();
  const pruneTimer = setInterval(() => store.prune(), PRUNE_INTERVAL_MS);
  // Tokens the edge handed over. They win over the environment's in the downloads engine and
  // the CivitAI and Hugging Face clients, which read them through the models settings.
  const tokens = await TokenFiles.open(config.stateDir, log);
  const applyEdgeToken = (name: ReporterTokenName, value: string | null): void => {
    // The tunnel reads the Cloudflare token from the token files when it needs it.
    if (name !== "cloudflare_token") {
      config.models?.tokens.set(name === "civitai_token" ? "civitai" : "huggingface", value);
    }
  };
  for (const name of REPORTER_TOKEN_NAMES) {
    applyEdgeToken(name, tokens.get(name));
  }

  const http = new ComfyuiHttp(config.comfyuiUrl);
  const bridge = new ComfyuiBridge({ http, log });
  const monitor = new ComfyuiMonitor({ http, services: parts.services, serviceName: config.comfyuiService, log });

  let link: EdgeLink | null = null;
  const onComfyuiStopped = (action: "stopped" | "restarted"): void => bridge.abandonQueue(`ComfyUI was ${action}; the prompt it was running is lost.`);
  const comfyuiControl = new ComfyuiControl({
    config,
    log,
    emit: (event) => link?.sendEvent(event),
    // The ComfyUI page's commands stop and start the process without the service manager, so
    // these hooks call the monitor and the bridge, as pokeOnComfyuiChange does for the Services table.
    processHooks: { onChange: () => monitor.poke(), onStopped: onComfyuiStopped },
  });
  const syncOptions = syncSettings();
  const sync = new SyncService({
    stateDir: config.stateDir,
    workspaceDir: config.workspaceDir,
    settings: syncOptions,
    log,
    emit: (event) => link?.sendEvent(event),
    snapshotSoon: () => void link?.sendSnapshotNow(),
    channel: {
      supportsSecretUpdate: () => link?.edgeFeatures.includes(EDGE_FEATURE_SECRET_UPDATE) === true,
      sendSecretUpdate: (update) => link?.sendSecretUpdate(update) ?? Promise.resolve(false),
    },
  });
  // Sync starts in the background: detecting rclone and loading rules must not hold up the link.
  const syncStarted = sync.start();
  const models = await startModels(config, log, (event) => link?.sendEvent(event));
  const workflows = await startWorkflowsOrNull({ config, control: comfyuiControl, engine: models?.engine ?? null, sync, rcloneBinary: syncOptions.rcloneBinary, emit: (event) => link?.sendEvent(event), log });
  // Prompts queued through either proxy wait for their missing models; without the feature they pass unchecked.
  const promptGate = workflows === null ? null : (body: unknown) => workflows.gatePrompt(body);
  const proxy = new ComfyuiProxy({ target: config.comfyuiUrl, port: config.comfyuiProxyPort, log, observe: (text, source) => bridge.observe(text, source), gate: promptGate });
  const gallery = await startGalleryOrNull({
    comfyuiDir: config.comfyuiDir,
    stateDir: config.stateDir,
    log,
    sync: syncSourceFrom(sync, config.workspaceDir, log),
    // The edge serves the dashboard, whose Gallery page uploads through the access proxy.
    dashboardOrigin: new URL(config.edgeUrl).origin,
  });
  let tunnelAccess: RunningAccessProxy | null = null;
  const tunnel = await startTunnel(config, log, {
    edgeApiToken: () => tokens.get("cloudflare_token"),
    onServices: (services) => tunnelAccess?.setServices(services),
    onChange: () => void link?.sendSnapshotNow(),
  });
  const deploy = startDeployOrNull({
    config,
    control: comfyuiControl,
    sync: syncOptions.enabled ? sync : null,
    rcloneBinary: syncOptions.rcloneBinary,
    ...workflows?.deployHooks(),
    gpus: () => parts.gpus.current().gpus,
    tokens: () => ({ civitai: (config.models?.tokens.get("civitai") ?? null) !== null, huggingface: (config.models?.tokens.get("huggingface") ?? null) !== null }),
    emit: (event) => link?.sendEvent(event),
    log,
  });
  const assembler = new SnapshotAssembler({
    instanceId: config.instanceId,
    version: REPORTER_VERSION,
    system: parts.system,
    gpus: parts.gpus,
    services: parts.services,
    comfyui: () => comfyuiSection(monitor.health, bridge.view(), config.comfyuiUrl),
    sync: () => sync.section(),
    ...(deploy === null ? {} : { deploy: () => deploy.engine.section() }),
    ...(tunnel === null ? {} : { tunnel: () => tunnel.section() }),
    ...(models === null ? {} : { downloads: () => models.overview() }),
    emit: (event) => link?.sendEvent(event),
    log,
  });
  const executor = new CommandExecutor({
    store,
    handlers: {
      ...createCommandHandlers(
        pokeOnComfyuiChange(
          parts.services,
          config.comfyuiService,
          () => monitor.poke(),
          onComfyuiStopped,
        ),
        http,
        createComfyuiControlHandlers(comfyuiControl),
        afterSyncStart(createSyncHandlers(sync), syncStarted),
        models === null ? undefined : createModelsHandlers(models),
        createSecretsHandlers(tokens, applyEdgeToken),
      ),
      ...gallery?.handlers,
      ...deploy?.handlers,
      ...(tunnel === null ? {} : createTunnelHandlers(tunnel)),
      ...workflows?.handlers,
      ...createHealthHandlers({ snapshot: () => assembler.build(), edgeConnected: () => link?.connected === true }),
      ...createLogsHandlers(logDir(config.stateDir)),
    },
    log,
    now: () => Date.now() + (link?.clockOffsetMs ?? 0),
  });
  link = new EdgeLink({
    url: reporterSocketUrl(config.edgeUrl),
    token: config.token,
    log,
    hello: helloBuilder(config.instanceId, REPORTER_VERSION, parts.gpus, heldSecretsBuilder(tokens, syncOptions.enabled ? sync : null, log)),
    snapshot: () => assembler.build(),
    commands: executor,
  });
  const edge = link;

  bridge.on("event", (event) => {
    edge.sendEvent(event);
    comfyuiControl.observe(event);
  });
  bridge.on("queue", (queue) => {
    // A journal write that fails (a full disk) must not stop the bridge's own queue reads.
    try {
      comfyuiControl.observeQueue(queue);
    } catch (error) {
      log.warn({ err: error }, "recording ComfyUI's queue in the prompt journal failed");
    }
  });
  monitor.on("event", (event) => {
    edge.sendEvent(event);
    // ComfyUI keeps its queue in memory, so a stopped or crashed process will never finish the running prompt.
    if (event.kind === "comfyui.state" && (event.state === "offline" || event.state === "crashed")) {
      bridge.abandonQueue(`ComfyUI is ${event.state}; the prompt it was running is lost.`);
    }
    void edge.sendSnapshotNow();
  });
  edge.on("fatal", onFatal);
  edge.on("outdated", onFatal);
  edge.on("welcome", () => void sync.onEdgeWelcome());

  const proxyPort = await proxy.listen();
  const unmountGallery = mountGalleryRoutes(gallery, log);
  const access = await startAccessProxy({
    instanceId: config.instanceId,
    edgeUrl: config.edgeUrl,
    token: config.token,
    stateDir: config.stateDir,
    comfyuiUrl: config.comfyuiUrl,
    port: config.accessProxyPort ?? 0,
    log,
    observe: (text, source) => bridge.observe(text, source),
    gate: promptGate,
    // Tickets carry the edge's time, so their expiry is checked on the edge's clock.
    now: () => Date.now() + edge.clockOffsetMs,
  });
  tunnelAccess = access;
  if (tunnel !== null) {
    access.setServices(tunnel.view().services);
    await tunnel.resume();
  }
  parts.gpus.start?.();
  bridge.start();
  monitor.start();
  edge.start();
  comfyuiControl.start();
  log.info({ version: REPORTER_VERSION, proxyPort, accessProxyPort: access.port, comfyuiUrl: config.comfyuiUrl }, "reporter started");

  return {
    proxyPort,
    access,
    bridge,
    link: edge,
    async stop() {
      clearInterval(pruneTimer);
      edge.stop();
      monitor.stop();
      bridge.stop();
      http.close();
      workflows?.stop();
      await deploy?.close();
      await comfyuiControl.stop();
      await models?.stop();
      unmountGallery();
      await syncStarted;
      await sync.stop();
      await proxy.close();
      await tunnel?.close();
      await access.stop();
      await parts.gpus.stop?.();
      await parts.services.close?.();
      store.close();
      log.info("reporter stopped");
    },
  };
}

/**
 * Starts the tunnel feature; cloudflared itself starts in `resume`, once the access proxy listens.
 * A failure leaves the reporter running without the Tunnel page.
 */
async function startTunnel(
  config: ReporterConfig,
  log: Logger,
  hooks: Pick<TunnelFeatureOptions, "edgeApiToken" | "onServices" | "onChange">,
): Promise<TunnelFeature | null> {
  try {
    return await TunnelFeature.start({
      instanceId: config.instanceId,
      stateDir: config.stateDir,
      env: tunnelEnvSettings(),
      origin: accessProxyOrigin,
      log,
      ...hooks,
    });
  } catch (error) {
    log.error({ err: error }, "the tunnel could not start; the Tunnel page is unavailable");
    return null;
  }
}

/** Starts downloads and the model library; a failure leaves the reporter running without them. */
async function startModels(config: ReporterConfig, log: Logger, emit: (event: ProtocolEvent) => void): Promise<ModelsFeature | null> {
  if (config.models === undefined) {
    return null;
  }
  try {
    return await ModelsFeature.start({ comfyuiDir: config.comfyuiDir, stateDir: config.stateDir, settings: config.models, log, emit });
  } catch (error) {
    log.error({ err: error }, "the model library could not start; the Models page is unavailable");
    return null;
  }
}
