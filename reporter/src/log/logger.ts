import { pino } from "pino";
import type { DestinationStream, Logger } from "pino";

export type { Logger } from "pino";

/**
 * Paths whose values never reach a log line. Wildcards cover the config object and
 * request headers logged under any key the reporter owns (`config.token`,
 * `upstream.headers.authorization`).
 */
export const REDACT_PATHS = [
  "token",
  "*.token",
  "*.*.token",
  "password",
  "*.password",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "headers.cookie",
  "*.headers.cookie",
];

export interface LoggerOptions {
  level: string;
  /** Where lines go; stdout when absent. Tests pass an in-memory sink. */
  destination?: DestinationStream;
  /** The rotating log files (see files.ts), written beside `destination`. */
  files?: DestinationStream;
}

/** Creates the reporter's root logger; every other logger is a child of it. */
export function createRootLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    base: { app: "comfycarry-reporter" },
    redact: { paths: REDACT_PATHS, censor: "[Redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.files === undefined) {
    return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
  }
  const destination = options.destination ?? pino.destination(1);
  // Each stream gets every line the logger's level lets through.
  return pino(settings, pino.multistream([{ stream: destination, level: "trace" }, { stream: options.files, level: "trace" }]));
}
