import { ComfyCarryError, commandSchemas, isCommandName, parseValue } from "@comfycarry/shared";
import type { CommandArgs, CommandName, CommandResultData } from "@comfycarry/shared";

import type { CommandOutcome, CommandRunner } from "../link/edge-link.js";
import type { Logger } from "../log/logger.js";
import type { CommandStore } from "./store.js";

/** What a handler gets besides its arguments. */
export interface HandlerContext {
  /** Aborts at the command's deadline. */
  signal: AbortSignal;
  log: Logger;
}

/** One function per allowlisted command, typed by the shared schemas. */
export type CommandHandlers = {
  [N in CommandName]: (args: CommandArgs<N>, context: HandlerContext) => Promise<CommandResultData<N>>;
};

export interface CommandExecutorOptions {
  store: CommandStore;
  handlers: CommandHandlers;
  log: Logger;
  now?: () => number;
}

type RawCommand = Parameters<CommandRunner["execute"]>[0];

/**
 * Runs allowlisted commands at most once per id. The id is claimed in the store before
 * the handler starts, so a re-send during the run waits for the same outcome and a
 * re-send after it, even from a new process, gets the stored one.
 */
export class CommandExecutor implements CommandRunner {
  readonly #options: CommandExecutorOptions;
  readonly #running = new Map<string, Promise<CommandOutcome>>();
  readonly #now: () => number;

  constructor(options: CommandExecutorOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async execute(command: RawCommand): Promise<CommandOutcome> {
    const log = this.#options.log.child({ commandId: command.id, command: command.name });

    const running = this.#running.get(command.id);
    if (running !== undefined) {
      log.info("command id is already running; waiting for its outcome instead of running it again");
      return running;
    }

    const claim = this.#options.store.claim(command.id, command.name);
    if (claim.kind === "done") {
      log.info({ ok: claim.outcome.ok }, "command id ran before; returning the stored outcome");
      return claim.outcome;
    }
    if (claim.kind === "running") {
      log.warn("command id is marked running by another reporter process; not running it");
      return { ok: false, error: { code: "command_failed", message: "this command is already running in another reporter process" } };
    }

    const pending = this.#run(command, log);
    this.#running.set(command.id, pending);
    try {
      const outcome = await pending;
      this.#options.store.finish(command.id, outcome);
      return outcome;
    } finally {
      this.#running.delete(command.id);
    }
  }

  async #run(command: RawCommand, log: Logger): Promise<CommandOutcome> {
    const remainingMs = Date.parse(command.deadline) - this.#now();
    if (!(remainingMs > 0)) {
      log.warn({ deadline: command.deadline }, "command arrived after its deadline; not running it");
      return failure(new ComfyCarryError("command_timeout", `the deadline ${command.deadline} passed before the command arrived`));
    }

    if (!isCommandName(command.name)) {
      log.warn("command is not in the allowlist");
      return failure(new ComfyCarryError("unknown_command", `command "${command.name}" is not in the reporter's allowlist`, { name: command.name }));
    }

    try {
      const data = await this.#dispatch(command.name, command.args, { signal: AbortSignal.timeout(remainingMs), log });
      // The dashboard polls read commands every few seconds; at info they would bury the
      // changes a person made in the log view.
      if (commandSchemas[command.name].scope === "read") {
        log.debug("command succeeded");
      } else {
        log.info("command succeeded");
      }
      return { ok: true, data };
    } catch (error) {
      if (error instanceof ComfyCarryError) {
        log.warn({ code: error.code, err: error }, "command failed");
        return failure(error);
      }
      log.error({ err: error }, "command failed unexpectedly");
      return failure(new ComfyCarryError("internal_error", "the command failed unexpectedly; see the reporter log"));
    }
  }

  async #dispatch<N extends CommandName>(name: N, rawArgs: unknown, context: HandlerContext): Promise<CommandResultData<N>> {
    const spec = commandSchemas[name];
    const args = parseValue(spec.args, rawArgs ?? {});
    if (!args.ok) {
      throw new ComfyCarryError("invalid_arguments", `invalid arguments for ${name}: ${args.issues}`, { name });
    }

    const handler = this.#options.handlers[name] as (args: unknown, context: HandlerContext) => Promise<unknown>;
    const result = parseValue(spec.result, await handler(args.value, context));
    if (!result.ok) {
      throw new ComfyCarryError("internal_error", `the result of ${name} does not match its schema: ${result.issues}`);
    }
    return result.value as CommandResultData<N>;
  }
}

function failure(error: ComfyCarryError): CommandOutcome {
  return { ok: false, error: error.toWire() };
}
