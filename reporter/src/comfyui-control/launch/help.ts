/** Reading the options an installed ComfyUI accepts from its argparse `--help` text. */

/** How many values an option takes, as argparse's help shows it. */
export type Arity = "none" | "one" | "optional" | "some" | "any";

export interface AcceptedOption {
  flag: string;
  arity: Arity;
  /** Allowed values when the help lists them (`{a,b}` or `[a,b]`). */
  choices: string[] | null;
}

export interface AcceptedOptions {
  options: Map<string, AcceptedOption>;
  /** Mutually exclusive flags, from the usage line's `[--a | --b]` groups. */
  exclusive: string[][];
}

/** An option row: two spaces, then flags and metavars, then two or more spaces or the line end. */
const OPTION_ROW = /^ {2}(-[^ ].*?)(?: {2,}.*)?$/;

/** Parses `main.py --help`; rows it cannot read are skipped, so an unknown layout accepts less, never more. */
export function parseHelp(text: string): AcceptedOptions {
  const options = new Map<string, AcceptedOption>();
  const [usage = "", body = ""] = splitUsage(text);

  for (const line of body.split("\n")) {
    const row = OPTION_ROW.exec(line)?.[1];
    if (row === undefined) {
      continue;
    }
    for (const part of row.split(", ")) {
      const option = parseRow(part.trim());
      if (option !== null) {
        options.set(option.flag, option);
      }
    }
  }
  return { options, exclusive: exclusiveGroups(usage) };
}

function splitUsage(text: string): [string, string] {
  const marker = /\n(?:options|optional arguments):\n/.exec(text);
  if (marker === null) {
    return ["", text];
  }
  return [text.slice(0, marker.index), text.slice(marker.index)];
}

function parseRow(row: string): AcceptedOption | null {
  const [flag = "", ...rest] = row.split(" ");
  if (!/^--?[A-Za-z0-9][A-Za-z0-9_-]*$/.test(flag)) {
    return null;
  }
  const metavar = rest.join(" ");
  if (metavar === "") {
    return { flag, arity: "none", choices: null };
  }
  if (/ \.\.\.\]$/.test(metavar)) {
    return { flag, arity: metavar.startsWith("[") ? "any" : "some", choices: null };
  }

  // `[a,b,c]` is a metavar that lists choices (ComfyUI's --preview-method); `[X]` marks an optional value.
  const bracketed = /^\[(.*)\]$/.exec(metavar)?.[1];
  if (bracketed !== undefined && bracketed.includes(",") && !bracketed.startsWith("{")) {
    return { flag, arity: "one", choices: bracketed.split(",") };
  }
  const inner = bracketed ?? metavar;
  const braces = /^\{(.*)\}$/.exec(inner)?.[1];
  return { flag, arity: bracketed === undefined ? "one" : "optional", choices: braces === undefined ? null : braces.split(",") };
}

function exclusiveGroups(usage: string): string[][] {
  const flat = usage.replace(/\s+/g, " ");
  const groups: string[][] = [];
  for (const match of flat.matchAll(/\[([^[\]]*(?:\[[^[\]]*\][^[\]]*)*)\]/g)) {
    const inside = match[1] ?? "";
    if (!inside.includes(" | ")) {
      continue;
    }
    const flags = inside.split(" | ").map((member) => member.trim().split(" ")[0] ?? "");
    groups.push(flags.filter((flag) => flag.startsWith("-")));
  }
  return groups;
}
