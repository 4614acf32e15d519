/** Parsing cloudflared's command line the way its CLI library does for the shapes we use. */

/** Flags that take no value. */
const BOOLEAN_FLAGS = new Set(["no-autoupdate", "no-prechecks", "hello-world"]);

/** Tunnel-level flags (before `run`) that take a value. */
const TUNNEL_FLAGS = new Set([
  "metrics",
  "config",
  "url",
  "protocol",
  "p",
  "loglevel",
  "transport-loglevel",
  "proto-loglevel",
  "logfile",
  "log-directory",
  "output",
  "grace-period",
  "edge-ip-version",
  "retries",
  "pidfile",
  "quick-service",
  "ha-connections",
]);

/** Flags of the `run` subcommand that take a value. */
const RUN_FLAGS = new Set(["token", "token-file"]);

export interface ParsedArgs {
  /** Values of flags that take one; boolean flags map to "true". */
  flags: Map<string, string>;
  /** True when the `run` subcommand was given. */
  run: boolean;
  /** True when the `tunnel` command word was given. */
  tunnelCommand: boolean;
  /** Positional arguments after `run`. */
  runArgs: string[];
}

export class UsageError extends Error {
  constructor(
    message: string,
    /** True for a leaf command (`run`), whose message uses a colon instead of a period. */
    readonly leaf: boolean,
  ) {
    super(message);
  }
}

/** Parses argv (without node and script); unknown flags raise `UsageError`. */
export function parseArgs(argv: string[]): ParsedArgs {
  const parsed: ParsedArgs = { flags: new Map(), run: false, tunnelCommand: false, runArgs: [] };
  let index = 0;

  while (index < argv.length) {
    const word = argv[index] ?? "";
    index += 1;

    if (!word.startsWith("-")) {
      if (word === "tunnel" && !parsed.tunnelCommand && !parsed.run) {
        parsed.tunnelCommand = true;
      } else if (word === "run" && !parsed.run) {
        parsed.run = true;
      } else if (parsed.run) {
        parsed.runArgs.push(word);
      } else {
        throw new UsageError(`unknown command ${word}`, false);
      }
      continue;
    }

    const body = word.replace(/^--?/, "");
    const equals = body.indexOf("=");
    const name = equals === -1 ? body : body.slice(0, equals);
    const known = BOOLEAN_FLAGS.has(name) || TUNNEL_FLAGS.has(name) || (parsed.run && RUN_FLAGS.has(name));
    if (!known) {
      throw new UsageError(`flag provided but not defined: -${name}`, parsed.run);
    }
    if (BOOLEAN_FLAGS.has(name)) {
      parsed.flags.set(name, "true");
      continue;
    }
    if (equals !== -1) {
      parsed.flags.set(name, body.slice(equals + 1));
      continue;
    }
    const value = argv[index];
    if (value === undefined) {
      throw new UsageError(`flag needs an argument: -${name}`, parsed.run);
    }
    parsed.flags.set(name, value);
    index += 1;
  }

  return parsed;
}

/** Returns a flag's value, falling back to its environment variable as cloudflared does. */
export function flagOrEnv(args: ParsedArgs, flag: string, envName: string): string | undefined {
  return args.flags.get(flag) ?? process.env[envName];
}
