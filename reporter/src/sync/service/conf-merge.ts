import { parseConf } from "../remotes/conf-file.js";
import { ruleFieldError } from "../rules/errors.js";

/**
 * Pasted rclone.conf text: checked, then merged into the current file or put in its
 * place. Errors name the field `rclone_conf` and never quote its text.
 */

interface Block {
  name: string | null;
  lines: string[];
}

const HEADER = /^\s*\[(.+)\]\s*$/;

/** Splits rclone.conf into a preamble (name null) and one block per `[remote]` section. */
function splitBlocks(content: string): Block[] {
  const blocks: Block[] = [{ name: null, lines: [] }];
  for (const line of content.split(/\r?\n/)) {
    const header = HEADER.exec(line);
    if (header !== null) {
      blocks.push({ name: header[1]?.trim() ?? "", lines: [line] });
      continue;
    }
    const current = blocks[blocks.length - 1];
    current?.lines.push(line);
  }
  return blocks;
}

function joinBlocks(blocks: Block[]): string {
  const text = blocks
    .map((block) => block.lines.join("\n").replace(/\n+$/, ""))
    .filter((part) => part.trim() !== "")
    .join("\n\n");
  return `${text}\n`;
}

/** Checks pasted text: plain (not encrypted) rclone.conf with at least one remote, each with a type. */
export function checkPastedConf(content: string): string[] {
  if (content.includes("RCLONE_ENCRYPT_V0")) {
    throw ruleFieldError(
      "rclone_conf",
      "this rclone.conf is encrypted with a config password; run `rclone config show` on your computer and paste its plain output instead",
      "encrypted",
    );
  }
  const sections = parseConf(content);
  if (sections.length === 0) {
    throw ruleFieldError("rclone_conf", "no [remote] section found; paste rclone.conf as `rclone config show` prints it", "no_remote");
  }
  const untyped = sections.filter((section) => (section.values["type"] ?? "") === "").map((section) => section.name);
  if (untyped.length > 0) {
    throw ruleFieldError("rclone_conf", `the remotes ${untyped.join(", ")} have no "type = …" line; paste each remote's whole section`, "no_type");
  }
  return sections.map((section) => section.name);
}

/** Returns `current` with the pasted sections replacing same-named ones and the rest appended. */
export function mergeConf(current: string | null, pasted: string): string {
  const base = splitBlocks(current ?? "");
  const incoming = splitBlocks(pasted).filter((block) => block.name !== null);
  for (const block of incoming) {
    const index = base.findIndex((existing) => existing.name === block.name);
    if (index >= 0) {
      base[index] = block;
    } else {
      base.push(block);
    }
  }
  return joinBlocks(base);
}
