/**
 * Console output shaped like ComfyUI's: bare `%(message)s` records on stderr (stdout with
 * `--log-stdout`, where errors still go to stderr), every write also kept in the log buffer.
 */
import { LogBuffer } from "./buffer.js";

export const LEVELS = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 } as const;
export type LevelName = keyof typeof LEVELS;

export interface ConsoleOptions {
  logStdout: boolean;
  level: number;
}

/** Writes records and raw stream output, mirroring both into a `LogBuffer`. */
export class SimConsole {
  readonly buffer = new LogBuffer();
  private options: ConsoleOptions = { logStdout: false, level: LEVELS.INFO };

  configure(options: ConsoleOptions): void {
    this.options = options;
  }

  /** Writes raw text to a stream, as `print()` or tqdm would. */
  write(stream: "stdout" | "stderr", text: string): void {
    this.buffer.record(text);
    (stream === "stdout" ? process.stdout : process.stderr).write(text);
  }

  log(level: LevelName, message: string): void {
    const levelNumber = LEVELS[level];
    if (levelNumber < this.options.level) {
      return;
    }
    const toStdout = this.options.logStdout && levelNumber < LEVELS.ERROR;
    this.write(toStdout ? "stdout" : "stderr", `${message}\n`);
  }

  debug(message: string): void {
    this.log("DEBUG", message);
  }

  info(message: string): void {
    this.log("INFO", message);
  }

  warning(message: string): void {
    this.log("WARNING", message);
  }

  error(message: string): void {
    this.log("ERROR", message);
  }
}

/** The process-wide console; the simulator is one process, like ComfyUI. */
export const simConsole = new SimConsole();
