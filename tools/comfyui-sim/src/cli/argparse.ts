/**
 * A small command-line parser that fails the way Python's argparse does: usage and
 * `main.py: error: ...` on stderr, exit status 2, unique prefixes accepted for long options.
 */

export type ValueType = "str" | "int" | "float";

/** One option. `nargs` follows argparse: 0 is a flag, "?" an optional value, "+" and "*" lists. */
export interface OptionSpec {
  flags: string[];
  dest: string;
  nargs: 0 | 1 | "?" | "+" | "*";
  type?: ValueType;
  choices?: readonly string[];
  metavar?: string;
  /** The value stored when an `nargs: "?"` option is given without one. */
  constValue?: string | number;
  /** Repeated uses append (argparse `action="append"`). */
  append?: boolean;
  /** Options of one mutually exclusive group share a group name. */
  group?: string;
  /** Simulator-only options stay out of the usage text, which then matches ComfyUI's. */
  hidden?: boolean;
  help: string;
}

export type OptionValue = boolean | string | number | Array<string | number> | Array<Array<string | number>> | null;
export type ParsedOptions = Map<string, OptionValue>;

/** Raised for bad command lines; `main` prints usage plus the message and exits with status 2. */
export class UsageError extends Error {}

function metavarOf(spec: OptionSpec): string {
  if (spec.metavar !== undefined) {
    return spec.metavar;
  }
  if (spec.choices !== undefined) {
    return `{${spec.choices.join(",")}}`;
  }
  return spec.dest.toUpperCase();
}

function usagePart(spec: OptionSpec): string {
  const flag = spec.flags[0] ?? "";
  const metavar = metavarOf(spec);
  switch (spec.nargs) {
    case 0:
      return flag;
    case 1:
      return `${flag} ${metavar}`;
    case "?":
      return `${flag} [${metavar}]`;
    case "+":
      return `${flag} ${metavar} [${metavar} ...]`;
    case "*":
      return `${flag} [${metavar} ...]`;
  }
}

/** Builds the usage text, wrapped at 78 columns like argparse without a terminal. */
export function formatUsage(prog: string, specs: readonly OptionSpec[]): string {
  const parts: string[] = ["[-h]"];
  const seenGroups = new Set<string>();
  for (const spec of specs) {
    if (spec.hidden === true) {
      continue;
    }
    if (spec.group === undefined) {
      parts.push(`[${usagePart(spec)}]`);
      continue;
    }
    if (seenGroups.has(spec.group)) {
      continue;
    }
    seenGroups.add(spec.group);
    const members = specs.filter((other) => other.group === spec.group).map(usagePart);
    parts.push(`[${members.join(" | ")}]`);
  }

  const prefix = `usage: ${prog} `;
  const indent = " ".repeat(prefix.length);
  const lines: string[] = [];
  let line = prefix;
  for (const part of parts) {
    if (line.length + part.length > 78 && line.trim().length > prefix.trim().length) {
      lines.push(line.trimEnd());
      line = indent;
    }
    line += `${part} `;
  }
  lines.push(line.trimEnd());
  return `${lines.join("\n")}\n`;
}

/** Builds the `-h` text: usage, then one line per option. */
export function formatHelp(prog: string, specs: readonly OptionSpec[]): string {
  const rows = [["-h, --help", "show this help message and exit"]];
  for (const spec of specs) {
    if (spec.hidden === true) {
      continue;
    }
    rows.push([usagePart(spec), spec.help]);
  }
  // argparse puts the help on the same line only when two spaces still fit before column 24.
  const body = rows.map(([name = "", help = ""]) => (name.length <= 20 ? `  ${name.padEnd(22)}${help}` : `  ${name}\n                        ${help}`));
  return `${formatUsage(prog, specs)}\noptions:\n${body.join("\n")}\n`;
}

function convert(spec: OptionSpec, raw: string): string | number {
  const name = spec.flags.join("/");
  let value: string | number = raw;
  if (spec.type === "int") {
    if (!/^\s*[-+]?\d+\s*$/.test(raw)) {
      throw new UsageError(`argument ${name}: invalid int value: '${raw}'`);
    }
    value = Number.parseInt(raw, 10);
  } else if (spec.type === "float") {
    const parsed = Number(raw.trim());
    if (raw.trim() === "" || Number.isNaN(parsed)) {
      throw new UsageError(`argument ${name}: invalid float value: '${raw}'`);
    }
    value = parsed;
  }
  if (spec.choices !== undefined && !spec.choices.includes(String(value))) {
    const options = spec.choices.map((choice) => `'${choice}'`).join(", ");
    throw new UsageError(`argument ${name}: invalid choice: '${raw}' (choose from ${options})`);
  }
  return value;
}

function findSpec(specs: readonly OptionSpec[], flag: string): OptionSpec | null {
  const exact = specs.find((spec) => spec.flags.includes(flag));
  if (exact !== undefined) {
    return exact;
  }
  if (!flag.startsWith("--")) {
    return null;
  }
  const matches = specs.filter((spec) => spec.flags.some((candidate) => candidate.startsWith(flag)));
  if (matches.length > 1) {
    const names = matches.map((spec) => spec.flags.find((candidate) => candidate.startsWith(flag))).join(", ");
    throw new UsageError(`ambiguous option: ${flag} could match ${names}`);
  }
  return matches[0] ?? null;
}

function looksLikeOption(arg: string | undefined): boolean {
  return arg !== undefined && arg.startsWith("-") && arg.length > 1 && !/^-\d/.test(arg);
}

/** Parses `argv` (without the program name). Throws `UsageError`; returns null for `-h`. */
export function parseArgs(specs: readonly OptionSpec[], argv: readonly string[]): ParsedOptions | null {
  const result: ParsedOptions = new Map();
  const unrecognized: string[] = [];
  const groupOwner = new Map<string, OptionSpec>();
  let index = 0;

  while (index < argv.length) {
    const arg = argv[index] ?? "";
    index += 1;
    if (arg === "-h" || arg === "--help") {
      return null;
    }
    if (!looksLikeOption(arg)) {
      unrecognized.push(arg);
      continue;
    }

    const equals = arg.indexOf("=");
    const flag = equals > 0 ? arg.slice(0, equals) : arg;
    const inline = equals > 0 ? arg.slice(equals + 1) : undefined;
    const spec = findSpec(specs, flag);
    if (spec === null) {
      unrecognized.push(arg);
      continue;
    }
    const name = spec.flags.join("/");

    if (spec.group !== undefined) {
      const owner = groupOwner.get(spec.group);
      if (owner !== undefined && owner !== spec) {
        throw new UsageError(`argument ${name}: not allowed with argument ${owner.flags.join("/")}`);
      }
      groupOwner.set(spec.group, spec);
    }

    if (spec.nargs === 0) {
      if (inline !== undefined) {
        throw new UsageError(`argument ${name}: ignored explicit argument '${inline}'`);
      }
      result.set(spec.dest, true);
      continue;
    }

    const values: string[] = [];
    if (inline !== undefined) {
      values.push(inline);
    } else if (spec.nargs === 1) {
      const next = argv[index];
      if (next === undefined || looksLikeOption(next)) {
        throw new UsageError(`argument ${name}: expected one argument`);
      }
      values.push(next);
      index += 1;
    } else {
      while (index < argv.length && !looksLikeOption(argv[index])) {
        values.push(argv[index] ?? "");
        index += 1;
        if (spec.nargs === "?") {
          break;
        }
      }
    }

    if (spec.nargs === "+" && values.length === 0) {
      throw new UsageError(`argument ${name}: expected at least one argument`);
    }
    const converted = values.map((value) => convert(spec, value));
    if (spec.nargs === "?" || spec.nargs === 1) {
      result.set(spec.dest, converted[0] ?? spec.constValue ?? null);
      continue;
    }
    if (spec.append === true) {
      const previous = result.get(spec.dest);
      const list = Array.isArray(previous) ? (previous as Array<Array<string | number>>) : [];
      result.set(spec.dest, [...list, converted]);
      continue;
    }
    result.set(spec.dest, converted);
  }

  if (unrecognized.length > 0) {
    throw new UsageError(`unrecognized arguments: ${unrecognized.join(" ")}`);
  }
  return result;
}
