/** Command-line parsing for the options of nvidia-smi that this stand-in implements. */
import { ExitError } from "./preset.js";

export interface CsvFormat {
  header: boolean;
  units: boolean;
}

/** The parsed command: the output kind and its loop interval (`loopMs` null prints once). */
export type Command =
  | { kind: "query"; fields: string[]; format: CsvFormat; loopMs: number | null; ids: string[] | null }
  | { kind: "list"; ids: string[] | null }
  | { kind: "table"; loopMs: number | null; ids: string[] | null }
  | { kind: "version" }
  | { kind: "help" };

/** Returns nvidia-smi's error for options it does not accept, with exit status 2 like the real tool. */
export function invalidArguments(): ExitError {
  return new ExitError("Invalid combination of input arguments. Please run 'nvidia-smi -h' for help.\n", 2, true);
}

// nvidia-smi's `-l` without a value probes every 5 seconds.
const DEFAULT_LOOP_SECONDS = 5;

interface RawOptions {
  query: string | null;
  format: string | null;
  loopMs: number | null;
  ids: string[] | null;
  list: boolean;
  version: boolean;
  help: boolean;
}

function parseInterval(text: string | undefined, unitMs: number): number {
  if (text === undefined || !/^\d+$/.test(text) || Number(text) === 0) {
    throw invalidArguments();
  }
  return Number(text) * unitMs;
}

/** Splits `--name=value` and `--name value` alike; returns the value and how many argv slots it used. */
function takeValue(argv: readonly string[], i: number, inline: string | undefined): [string | undefined, number] {
  if (inline !== undefined) {
    return [inline, 1];
  }
  const next = argv[i + 1];
  return next === undefined || next.startsWith("-") ? [undefined, 1] : [next, 2];
}

function readOptions(argv: readonly string[]): RawOptions {
  const options: RawOptions = { query: null, format: null, loopMs: null, ids: null, list: false, version: false, help: false };

  let i = 0;
  while (i < argv.length) {
    const arg = argv[i] ?? "";
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const [value, used] = takeValue(argv, i, inline);

    switch (name) {
      case "--query-gpu":
        if (value === undefined) {
          throw invalidArguments();
        }
        options.query = value;
        i += used;
        break;
      case "--format":
        if (value === undefined) {
          throw invalidArguments();
        }
        options.format = value;
        i += used;
        break;
      case "-l":
      case "--loop":
        options.loopMs = value === undefined ? DEFAULT_LOOP_SECONDS * 1000 : parseInterval(value, 1000);
        i += used;
        break;
      case "-lms":
      case "--loop-ms":
        options.loopMs = parseInterval(value, 1);
        i += used;
        break;
      case "-i":
      case "--id":
        if (value === undefined) {
          throw invalidArguments();
        }
        options.ids = value.split(",").map((id) => id.trim());
        i += used;
        break;
      case "-L":
      case "--list-gpus":
        options.list = true;
        i += 1;
        break;
      case "--version":
        options.version = true;
        i += 1;
        break;
      case "-h":
      case "--help":
        options.help = true;
        i += 1;
        break;
      default:
        throw invalidArguments();
    }
  }
  return options;
}

function parseFormat(text: string): CsvFormat {
  const parts = text.split(",").map((part) => part.trim());
  if (!parts.includes("csv") || parts.some((part) => !["csv", "noheader", "nounits"].includes(part))) {
    throw invalidArguments();
  }
  return { header: !parts.includes("noheader"), units: !parts.includes("nounits") };
}

/** Parses argv (without node and the script path) into the command to run. */
export function parseArgs(argv: readonly string[]): Command {
  const options = readOptions(argv);

  if (options.help) {
    return { kind: "help" };
  }
  if (options.version) {
    return { kind: "version" };
  }
  if (options.list) {
    return { kind: "list", ids: options.ids };
  }
  if (options.query !== null) {
    // Like nvidia-smi, a query needs an explicit CSV format.
    if (options.format === null) {
      throw invalidArguments();
    }
    const fields = options.query.split(",").map((field) => field.trim());
    return { kind: "query", fields, format: parseFormat(options.format), loopMs: options.loopMs, ids: options.ids };
  }
  if (options.format !== null) {
    throw invalidArguments();
  }
  return { kind: "table", loopMs: options.loopMs, ids: options.ids };
}
