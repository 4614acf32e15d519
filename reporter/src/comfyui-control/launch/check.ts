/** Checking an argument list against the options an installed ComfyUI accepts, before any restart. */
import { ComfyCarryError } from "@comfycarry/shared";

import type { AcceptedOption, AcceptedOptions } from "./help.js";

/** Options argparse lets a user repeat because they append. */
const REPEATABLE = new Set(["--extra-model-paths-config"]);

/** Throws `invalid_arguments` naming the first option ComfyUI would reject; argparse would exit with status 2. */
export function checkArgs(args: readonly string[], accepted: AcceptedOptions): void {
  const seen = new Set<string>();
  let index = 0;

  while (index < args.length) {
    const word = args[index] ?? "";
    index += 1;
    if (!isOption(word)) {
      throw invalidOption(word, `${JSON.stringify(word)} is not an option, and ComfyUI takes no other arguments`);
    }

    const equals = word.indexOf("=");
    const flag = equals > 0 ? word.slice(0, equals) : word;
    const inline = equals > 0 ? word.slice(equals + 1) : null;
    const option = accepted.options.get(flag);
    if (option === undefined || flag === "-h" || flag === "--help") {
      throw invalidOption(flag, unknownReason(flag, accepted));
    }
    if (seen.has(flag) && !REPEATABLE.has(flag)) {
      throw invalidOption(flag, `${flag} is given twice; keep one`);
    }
    seen.add(flag);

    const values: string[] = inline === null ? [] : [inline];
    if (inline === null) {
      while (index < args.length && !isOption(args[index] ?? "") && wantsMore(option, values.length)) {
        values.push(args[index] ?? "");
        index += 1;
      }
    }
    checkValues(option, values);
  }

  for (const group of accepted.exclusive) {
    const given = [...seen].filter((flag) => group.includes(flag));
    if (given.length > 1) {
      throw invalidOption(given[1] ?? "", `${given.join(" and ")} cannot be used together; pick one`);
    }
  }
}

function isOption(word: string): boolean {
  return word.startsWith("-") && word.length > 1 && !/^-\d/.test(word);
}

function wantsMore(option: AcceptedOption, count: number): boolean {
  switch (option.arity) {
    case "none":
      return false;
    case "one":
    case "optional":
      return count < 1;
    case "some":
    case "any":
      return true;
  }
}

function checkValues(option: AcceptedOption, values: string[]): void {
  if (option.arity === "none" && values.length > 0) {
    throw invalidOption(option.flag, `${option.flag} takes no value, got ${JSON.stringify(values[0])}`);
  }
  if ((option.arity === "one" || option.arity === "some") && values.length === 0) {
    throw invalidOption(option.flag, `${option.flag} needs a value`);
  }
  if (option.choices === null) {
    return;
  }
  for (const value of values) {
    if (!option.choices.includes(value)) {
      throw invalidOption(option.flag, `${option.flag} does not accept ${JSON.stringify(value)}; choose one of ${option.choices.join(", ")}`);
    }
  }
}

function unknownReason(flag: string, accepted: AcceptedOptions): string {
  const longer = [...accepted.options.keys()].filter((known) => known.startsWith(flag));
  if (longer.length > 0 && flag.startsWith("--")) {
    return `${flag} is a shortened name; write it in full (${longer.slice(0, 3).join(", ")})`;
  }
  return `this ComfyUI does not accept ${flag}; its "main.py --help" does not list it`;
}

function invalidOption(option: string, problem: string): ComfyCarryError {
  return new ComfyCarryError("invalid_arguments", `Invalid launch option: ${problem}.`, { option });
}
