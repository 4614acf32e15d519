import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { ComfyCarryError, commandSchemas, eventSchema, parseValue } from "@comfycarry/shared";
import type { CommandArgs, CommandResultData, ProtocolEvent } from "@comfycarry/shared";

import type { HandlerContext } from "../../src/commands/executor.js";
import { createSyncHandlers } from "../../src/sync/handlers.js";
import type { SyncHandlers } from "../../src/sync/handlers.js";
import type { SecretChannel } from "../../src/sync/service/conf-upload.js";
import { SyncService } from "../../src/sync/service/sync-service.js";
import type { SyncSettings } from "../../src/sync/service/settings.js";
import { memoryLogger } from "./helpers.js";

type SyncCommand = keyof SyncHandlers;

/** A secret channel that records what it was given and can be switched between old and new edges. */
export class FakeChannel implements SecretChannel {
  supported = true;
  readonly sent: Array<{ name: string; content: string; sha256: string }> = [];

  supportsSecretUpdate(): boolean {
    return this.supported;
  }

  sendSecretUpdate(update: { name: "rclone_conf"; content: string; sha256: string }): Promise<boolean> {
    if (!this.supported) {
      return Promise.resolve(false);
    }
    this.sent.push(update);
    return Promise.resolve(true);
  }
}

export interface ServiceFixture {
  service: SyncService;
  handlers: SyncHandlers;
  channel: FakeChannel;
  events: ProtocolEvent[];
  /** Events that did not parse against the protocol. */
  badEvents: string[];
  workspace: string;
  stateDir: string;
  logText: () => string;
  /** Runs a command as the executor does: arguments and result parsed with the shared schemas. */
  run<N extends SyncCommand>(name: N, args: unknown): Promise<CommandResultData<N>>;
  close(): Promise<void>;
}

/** Starts a SyncService on a fresh workspace and state dir. */
export async function startService(settings: Partial<SyncSettings>): Promise<ServiceFixture> {
  const root = await mkdtemp(join(tmpdir(), "sync-service-"));
  const workspace = join(root, "workspace");
  const stateDir = join(root, "state");
  await mkdir(workspace, { recursive: true });
  await mkdir(stateDir, { recursive: true });

  const { log, text } = memoryLogger();
  const events: ProtocolEvent[] = [];
  const badEvents: string[] = [];
  const channel = new FakeChannel();
  const service = new SyncService({
    stateDir,
    workspaceDir: workspace,
    settings: { enabled: true, rcloneBinary: "rclone", initialConf: null, maxParallel: 2, watchStableMs: 300, ...settings },
    log,
    emit: (event) => {
      const parsed = parseValue(eventSchema, event);
      if (parsed.ok) {
        events.push(parsed.value);
      } else {
        badEvents.push(`${event.kind}: ${parsed.issues}`);
      }
    },
    snapshotSoon: () => undefined,
    channel,
    engine: { retry: { initialMs: 300, maxMs: 2_000, factor: 2 }, watch: { stableMs: 300, checkEveryMs: 100, debounceMs: 100 } },
  });
  await service.start();
  const handlers = createSyncHandlers(service);
  const context: HandlerContext = { signal: new AbortController().signal, log };

  return {
    service,
    handlers,
    channel,
    events,
    badEvents,
    workspace,
    stateDir,
    logText: text,
    async run<N extends SyncCommand>(name: N, rawArgs: unknown): Promise<CommandResultData<N>> {
      const spec = commandSchemas[name];
      const args = parseValue(spec.args, rawArgs);
      if (!args.ok) {
        throw new ComfyCarryError("invalid_arguments", `invalid arguments for ${name}: ${args.issues}`);
      }
      const handler = handlers[name] as (args: CommandArgs<N>, context: HandlerContext) => Promise<unknown>;
      const result = parseValue(spec.result, await handler(args.value as CommandArgs<N>, context));
      if (!result.ok) {
        throw new Error(`the result of ${name} does not match its schema: ${result.issues}`);
      }
      return result.value as CommandResultData<N>;
    },
    async close() {
      await service.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
