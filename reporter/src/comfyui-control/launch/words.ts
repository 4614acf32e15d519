/** Splitting free-form launch arguments into words, the way a shell would, without ever running one. */
import { ComfyCarryError } from "@comfycarry/shared";
import { parse, quote } from "shell-quote";

/** Marks a `$NAME` reference that shell-quote found, so it can be rejected instead of expanded. */
interface VariableReference {
  variable: string;
}

/**
 * Splits `text` into arguments with shell-quote's parser, which understands quotes and
 * escapes and reports operators, globs, comments and variables as objects. Anything that
 * is not a plain word is rejected, since no shell will ever see these arguments.
 */
export function splitWords(text: string): string[] {
  const entries = parse(text, (name): VariableReference => ({ variable: name }));
  const words: string[] = [];

  for (const entry of entries) {
    if (typeof entry === "string") {
      if (/[`\u0000-\u001f]/.test(entry)) {
        throw invalidWord(entry, "contains a backquote or a control character");
      }
      words.push(entry);
      continue;
    }
    if ("variable" in entry) {
      throw invalidWord(`$${entry.variable}`, "is a shell variable; write the value itself");
    }
    if ("comment" in entry) {
      throw invalidWord(`#${entry.comment}`, "is a shell comment; remove it");
    }
    if (entry.op === "glob") {
      throw invalidWord(entry.pattern, "is a shell wildcard; quote it or write the full value");
    }
    throw invalidWord(entry.op, "is a shell operator; the arguments are not run by a shell, so remove it");
  }
  return words;
}

/** Quotes `args` for display, so the preview can be pasted into a shell. */
export function quoteWords(args: readonly string[]): string {
  return quote(args);
}

function invalidWord(word: string, problem: string): ComfyCarryError {
  return new ComfyCarryError("invalid_arguments", `Extra argument ${JSON.stringify(word)} ${problem}.`, { option: word });
}
