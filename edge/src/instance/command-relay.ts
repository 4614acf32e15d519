/**
 * @module Relays commands from browsers and HTTP callers to the reporter and results back.
 * The edge assigns each command a UUID, stores it with its deadline, and settles it exactly
 * once: with the reporter's result, or with `command_timeout` when the deadline alarm fires
 * first. Results that arrive after that are dropped and logged.
 */
import { ComfyCarryError, commandSchemas, parseValue, toUtcTimestamp } from "@comfycarry/shared";
import type { CommandResponse, EdgeToReporterMessage, ReporterMessage } from "@comfycarry/shared";

import type { Env } from "../env.js";
import { errorFields, log } from "../log.js";
import type { CommandActor, CommandAudit } from "./command-audit.js";
import type { CommandStore, StoredCommand } from "./command-store.js";
import type { Checked, CheckedCommand } from "./command-validation.js";
import type { InstanceLink } from "./link.js";
import type { DeadlineScheduler } from "./scheduler.js";
import { openArgs, sealArgs } from "./sealed-args.js";
import { sendFrame } from "./sockets.js";
import type { SocketRegistry } from "./sockets.js";

type CommandResultFrame = Extract<ReporterMessage, { type: "command_result" }>;

/** The browser request a command came from; null for an HTTP caller. */
export type CommandOrigin = { connectionId: string; requestId: string } | null;

/**
 * What an HTTP caller waits for: the reporter's result (which may itself be a failure), or the
 * `command_timeout` error when the deadline passed first.
 */
export type CommandOutcome = Checked<CommandResponse>;

const DEADLINE_KEY_PREFIX = "command:";

/** Scheduler key of a command's deadline. */
export function deadlineKey(commandId: string): string {
  return `${DEADLINE_KEY_PREFIX}${commandId}`;
}

/** Returns the command id of a deadline key, or null for other keys. */
export function commandIdOfKey(key: string): string | null {
  return key.startsWith(DEADLINE_KEY_PREFIX) ? key.slice(DEADLINE_KEY_PREFIX.length) : null;
}

function commandFrame(command: StoredCommand, args: unknown): EdgeToReporterMessage {
  return { type: "command", id: command.id, name: command.name, args, deadline: toUtcTimestamp(new Date(command.deadlineAt)) };
}

export class CommandRelay {
  /** Resolvers of HTTP callers, in memory: a waiting caller keeps the object awake, so they never meet hibernation. */
  private readonly waiters = new Map<string, (outcome: CommandOutcome) => void>();

  constructor(
    private readonly env: Env,
    private readonly instanceId: string,
    private readonly store: CommandStore,
    private readonly scheduler: DeadlineScheduler,
    private readonly sockets: SocketRegistry,
    private readonly link: InstanceLink,
    private readonly audit: CommandAudit,
  ) {}

  /**
   * Stores a checked command and arms its deadline; fails with `instance_offline` when no reporter
   * is connected or the connected one has gone quiet. The returned command carries the arguments
   * in clear for `dispatch`, while storage keeps the secret ones sealed.
   */
  async open(command: CheckedCommand, origin: CommandOrigin, actor: CommandActor, now: number): Promise<Checked<StoredCommand>> {
    if (this.link.liveReporter(now) === null) {
      await this.audit.refused(actor, command.name, command.args, "instance_offline");
      return { ok: false, error: this.link.offlineError(now) };
    }

    const id = crypto.randomUUID();
    let storedArgs: unknown;
    try {
      storedArgs = await sealArgs(this.env, id, command.name, command.args);
    } catch (err) {
      await this.audit.refused(actor, command.name, command.args, "internal_error");
      const message = err instanceof ComfyCarryError ? err.message : "the edge could not encrypt this command's arguments";
      log.error({ instanceId: this.instanceId, command: command.name, err: errorFields(err) }, "could not seal a secret-carrying command");
      return { ok: false, error: { code: "internal_error", message } };
    }

    const stored: StoredCommand = {
      id,
      name: command.name,
      args: command.args,
      deadlineAt: now + command.deadlineMs,
      originConnection: origin?.connectionId ?? null,
      requestId: origin?.requestId ?? null,
      state: "pending",
      createdAt: now,
    };
    this.store.add({ ...stored, args: storedArgs });
    this.audit.remember(stored.id, actor);
    await this.scheduler.schedule(deadlineKey(stored.id), stored.deadlineAt);
    return { ok: true, value: stored };
  }

  /** Returns a promise of the command's outcome; call it before `dispatch` so no result can slip past. */
  waitForOutcome(commandId: string): Promise<CommandOutcome> {
    return new Promise((resolve) => this.waiters.set(commandId, resolve));
  }

  /** Sends an opened command to the connected reporter. */
  dispatch(command: StoredCommand): void {
    const reporter = this.sockets.activeReporter();
    const sent = reporter !== null && sendFrame(reporter.ws, commandFrame(command, command.args));
    // An unsent command stays pending: a reporter that reconnects before the deadline gets it.
    log.info({ instanceId: this.instanceId, commandId: command.id, command: command.name, sent }, "command relayed");
  }

  /**
   * Sends every command still pending at `now` to a reporter that just sent hello, with the same
   * ids. A command whose sealed arguments no longer decrypt is left to time out.
   */
  async resendPending(ws: WebSocket, now: number): Promise<number> {
    let resent = 0;
    for (const command of this.store.pendingBefore(now)) {
      const fields = { instanceId: this.instanceId, commandId: command.id, command: command.name };
      let args: unknown;
      try {
        args = await openArgs(this.env, command.id, command.name, command.args);
      } catch (err) {
        log.error({ ...fields, err: errorFields(err) }, "could not open a pending command's arguments; it will time out");
        continue;
      }
      sendFrame(ws, commandFrame(command, args));
      resent += 1;
      log.info(fields, "command re-sent after reconnect");
    }
    return resent;
  }

  /** Settles a command with the reporter's result, unless it already settled or its deadline passed. */
  async acceptResult(frame: CommandResultFrame, now: number): Promise<void> {
    const command = this.store.get(frame.id);
    const fields = { instanceId: this.instanceId, commandId: frame.id };
    if (command === null) {
      log.warn(fields, "dropped a result for an unknown command");
      return;
    }
    if (command.state !== "pending") {
      log.warn({ ...fields, state: command.state }, "dropped a late or repeated command result");
      return;
    }
    if (now > command.deadlineAt) {
      // The alarm has not fired yet, but the deadline is what the caller was promised.
      await this.expire(command.id, now);
      log.warn({ ...fields, state: "timed_out" }, "dropped a late or repeated command result");
      return;
    }

    this.store.settle(command.id, "answered", now);
    await this.scheduler.cancel(deadlineKey(command.id));
    await this.deliver(command, { ok: true, value: this.toResponse(command, frame) });
  }

  /** Settles a command with `command_timeout` if it is still pending; a no-op otherwise. */
  async expire(commandId: string, now: number): Promise<void> {
    const command = this.store.get(commandId);
    if (command === null || !this.store.settle(commandId, "timed_out", now)) {
      return;
    }
    await this.scheduler.cancel(deadlineKey(commandId));

    const deadlineMs = command.deadlineAt - command.createdAt;
    log.warn({ instanceId: this.instanceId, commandId, command: command.name, deadlineMs }, "command timed out");
    await this.deliver(command, {
      ok: false,
      error: {
        code: "command_timeout",
        message: `command ${command.name} got no result from the reporter within ${deadlineMs} ms`,
        params: { command: command.name, deadline_ms: deadlineMs },
      },
    });
  }

  /** Turns a result frame into the caller's response; a `data` that breaks the command's result schema becomes an error. */
  private toResponse(command: StoredCommand, frame: CommandResultFrame): CommandResponse {
    if (!frame.ok) {
      return { command_id: command.id, ok: false, error: frame.error };
    }
    const parsed = parseValue(commandSchemas[command.name].result, frame.data);
    if (!parsed.ok) {
      log.error({ instanceId: this.instanceId, commandId: command.id, issues: parsed.issues }, "reporter result does not match the command's result schema");
      return {
        command_id: command.id,
        ok: false,
        error: { code: "internal_error", message: `the reporter's result for ${command.name} does not match its schema: ${parsed.issues}` },
      };
    }
    return { command_id: command.id, ok: true, data: parsed.value };
  }

  /**
   * Hands the outcome to the waiting HTTP caller and to every browser. The browser that sent the
   * command receives its `request_id`; the others receive null, so each dashboard learns what happened.
   */
  private async deliver(command: StoredCommand, outcome: CommandOutcome): Promise<void> {
    const waiter = this.waiters.get(command.id);
    this.waiters.delete(command.id);
    waiter?.(outcome);

    const response: CommandResponse = outcome.ok ? outcome.value : { command_id: command.id, ok: false, error: outcome.error };
    const origin = command.originConnection === null ? null : this.sockets.browser(command.originConnection);
    for (const ws of this.sockets.browsers()) {
      const requestId = ws === origin ? command.requestId : null;
      sendFrame(ws, { type: "command_result", request_id: requestId, ...response });
    }
    await this.audit.settled(command.id, command.name, command.args, response.ok ? "ok" : response.error.code);
  }
}
