/** cloudflared's log format: console lines on stderr, optional JSON lines in --logfile. */
import { appendFileSync } from "node:fs";

export type Level = "debug" | "info" | "warn" | "error" | "fatal";

const SHORT: Record<Level, string> = { debug: "DBG", info: "INF", warn: "WRN", error: "ERR", fatal: "FTL" };

export type Fields = Record<string, string | number>;

/** Quotes a value the way zerolog's console writer does: only when it contains spaces or quotes. */
function quote(value: string | number): string {
  const text = String(value);
  return /[\s"\\]/.test(text) ? JSON.stringify(text) : text;
}

export class Logger {
  constructor(
    private readonly json: boolean,
    private readonly logFile: string | undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Writes one line; `error` comes first and the other fields are sorted by key, as in cloudflared. */
  log(level: Level, message: string, fields: Fields = {}): void {
    const time = this.now().toISOString().replace(/\.\d{3}Z$/, "Z");
    // zerolog sorts bytewise (connIndex before connection), with `error` always first.
    const keys = Object.keys(fields).sort((left, right) => (left === "error" ? -1 : right === "error" ? 1 : left < right ? -1 : left > right ? 1 : 0));

    if (this.json) {
      process.stderr.write(`${JSON.stringify({ level, time, message, ...fields })}\n`);
    } else {
      const rendered = keys.map((key) => `${key}=${quote(fields[key] ?? "")}`).join(" ");
      process.stderr.write(`${time} ${SHORT[level]} ${message}${rendered === "" ? "" : ` ${rendered}`}\n`);
    }

    if (this.logFile !== undefined) {
      appendFileSync(this.logFile, `${JSON.stringify({ level, time, message, ...fields })}\n`);
    }
  }

  info(message: string, fields?: Fields): void {
    this.log("info", message, fields);
  }

  warn(message: string, fields?: Fields): void {
    this.log("warn", message, fields);
  }

  error(message: string, fields?: Fields): void {
    this.log("error", message, fields);
  }
}

/** Prints a fatal error the way the CLI library does: a bare stderr line without time or level. */
export function bareLine(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Logs rows inside cloudflared's ASCII box: border is the longest row plus four dashes. */
export function logBox(log: Logger, rows: string[]): void {
  const width = Math.max(...rows.map((row) => row.length));
  const border = `+${"-".repeat(width + 4)}+`;
  log.info(border);
  for (const row of rows) {
    log.info(`|  ${row.padEnd(width)}  |`);
  }
  log.info(border);
}
