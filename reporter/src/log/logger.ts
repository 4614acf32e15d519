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
}

/** Creates the reporter's root logger; every other logger is a child of it. */
export function createRootLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    base: { app: "comfycarry-reporter" },
    redact: { paths: REDACT_PATHS, censor: "[Redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}
