/** The command handlers of cloud sync, spread into the reporter's handler table. */
import { rm } from "node:fs/promises";

import { ComfyCarryError, syncCommands } from "@comfycarry/shared";
import type { CommandArgs } from "@comfycarry/shared";

import type { CommandHandlers, HandlerContext } from "../commands/executor.js";
import type { SyncEngine } from "./engine/sync-engine.js";
import { hashConf } from "./remotes/conf-file.js";
import type { RemoteInfo } from "./remotes/remotes.js";
import { checkPastedConf, mergeConf } from "./service/conf-merge.js";
import type { SyncService } from "./service/sync-service.js";
import { wireJob, wireRuleStatus } from "./service/wire.js";

export type SyncHandlers = Pick<CommandHandlers, keyof typeof syncCommands>;

/** Runs an engine call; a plain error (rclone could not list remotes) becomes `sync_failed`. */
async function engineCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ComfyCarryError) {
      throw error;
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new ComfyCarryError("sync_failed", message.slice(0, 1000), { reason: "transfer_failed" }, { cause: error });
  }
}

function remoteList(remotes: RemoteInfo[]): { remotes: RemoteInfo[] } {
  return { remotes: remotes.map((remote) => ({ name: remote.name, type: remote.type })) };
}

/**
 * Writes pasted rclone.conf text: merged into the current file or replacing it. When
 * rclone cannot read the result, the previous file is put back and the error names the
 * field. The text itself is never logged; only its hash and the remote names are.
 */
async function setConfig(service: SyncService, engine: SyncEngine, args: CommandArgs<"sync.config.set">, context: HandlerContext) {
  const pastedRemotes = checkPastedConf(args.rclone_conf);
  const previous = await engine.confFile.read();
  const next = args.mode === "replace" ? `${args.rclone_conf.replace(/\s+$/, "")}\n` : mergeConf(previous, args.rclone_conf);

  await engine.setConfig(next);
  let remotes: RemoteInfo[];
  try {
    remotes = await engine.listRemotes();
  } catch {
    // rclone's error quotes the line it could not parse, which may hold a secret: it is not logged.
    await (previous === null ? rm(engine.confFile.path, { force: true }) : engine.setConfig(previous));
    context.log.warn({ mode: args.mode }, "rclone could not read the pasted rclone.conf; the previous file is back");
    throw new ComfyCarryError("invalid_arguments", "rclone_conf: rclone could not read this config; check it with `rclone config show` on your computer", {
      field: "rclone_conf",
      reason: "unreadable",
    });
  }

  const sha256 = hashConf(next);
  context.log.info({ sha256, mode: args.mode, pastedRemotes, remotes: remotes.length }, "rclone.conf set from the dashboard");
  await service.upload.changed(sha256);
  return { ...remoteList(remotes), sha256 };
}

export function createSyncHandlers(service: SyncService): SyncHandlers {
  return {
    "sync.status": async () => {
      const engine = service.state === "running" ? service.engine() : null;
      return { engine: await service.engineState(), rules: engine === null ? [] : engine.ruleStatuses().map(wireRuleStatus) };
    },

    "sync.remote.list": () => engineCall(async () => remoteList(await service.engine().listRemotes())),
    "sync.remote.test": ({ remote }) =>
      engineCall(async () => {
        const result = await service.engine().testRemote(remote);
        return { ok: result.ok, remote: result.remote, duration_ms: result.durationMs, entries: result.entries, failure: result.failure };
      }),
    "sync.remote.remove": ({ remote }) =>
      engineCall(async () => {
        const engine = service.engine();
        await engine.removeRemote(remote);
        return remoteList(await engine.listRemotes());
      }),
    "sync.config.set": (args, context) => engineCall(() => setConfig(service, service.engine(), args, context)),

    "sync.rule.list": () => engineCall(() => Promise.resolve({ rules: service.engine().listRules() })),
    "sync.rule.create": (args) =>
      engineCall(async () => {
        const engine = service.engine();
        const rule = "preset" in args ? await engine.createFromPreset(args.preset, args.options) : await engine.createRule(args.rule);
        return { rule };
      }),
    "sync.rule.update": ({ id, patch }) => engineCall(async () => ({ rule: await service.engine().updateRule(id, patch) })),
    "sync.rule.delete": ({ id }) =>
      engineCall(async () => {
        await service.engine().deleteRule(id);
        return { deleted: true };
      }),

    "sync.rule.run": ({ id, confirm_deletes: confirmDeletes, resync, wait }, { log }) =>
      engineCall(async () => {
        const run = service.engine().runRule(id, { reason: "manual", confirmDeletes: confirmDeletes === true, resync: resync === true });
        if (wait === true) {
          const job = await run;
          return { accepted: true, job: job === null ? null : wireJob(job) };
        }
        // The job's outcome reaches the dashboard as events and in the job history.
        run.catch((error: unknown) => log.error({ err: error, ruleId: id }, "sync run failed unexpectedly"));
        return { accepted: true, job: null };
      }),
    "sync.now": (_args, { log }) =>
      engineCall(() => {
        const engine = service.engine();
        const pushes = engine.listRules().filter((rule) => rule.enabled && rule.direction === "push");
        for (const rule of pushes) {
          engine.runRule(rule.id, { reason: "manual" }).catch((error: unknown) => log.error({ err: error, ruleId: rule.id }, "sync run failed unexpectedly"));
        }
        log.info({ rules: pushes.length }, "sync now: push rules started");
        return Promise.resolve({ rule_ids: pushes.map((rule) => rule.id) });
      }),

    "sync.jobs": ({ rule_id: ruleId, status, limit }) =>
      engineCall(() => {
        const jobs = service.engine().jobs({
          ...(ruleId === undefined ? {} : { ruleId }),
          ...(status === undefined ? {} : { status }),
          limit: limit ?? 100,
        });
        return Promise.resolve({ jobs: jobs.map(wireJob) });
      }),
    "sync.safe_to_destroy": ({ verify }) => engineCall(() => service.engine().safeToDestroy({ verify: verify === true })),
  };
}

/** Handlers for a reporter built without cloud sync (tests of other parts): each fails with `sync_failed`. */
export function unavailableSyncHandlers(): SyncHandlers {
  const refuse = (): Promise<never> => Promise.reject(new ComfyCarryError("sync_failed", "cloud sync is not set up in this reporter", { reason: "engine_unavailable" }));
  return Object.fromEntries(Object.keys(syncCommands).map((name) => [name, refuse])) as unknown as SyncHandlers;
}
