import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";

import { repoRoot } from "@comfycarry/stack";

const BENCHMARKS_FILE = join(repoRoot, "docs/benchmarks.md");

const FILE_HEADER = `# Benchmarks

Each section is one benchmark. Every row is one run: when, at which commit, the command,
the machine, the baseline measured in the same run, and the figures. Rows are appended by
the benchmarks themselves; quick runs inside \`npm test\` do not write rows.
`;

/**
 * Describes this machine in one short cell: CPU model, cores, memory, Node version and the
 * 1-minute load average when the run ended, which shows whether other work shared the cores.
 */
export function describeMachine(): string {
  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  const load = loadavg()[0]?.toFixed(1) ?? "?";
  return `${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}, load ${load}`;
}

/** Returns the short hash of HEAD, with "+dirty" when the work tree has changes. */
export function describeCommit(): string {
  try {
    const hash = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repoRoot, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: repoRoot, encoding: "utf8" }).trim();
    return dirty.length > 0 ? `${hash}+dirty` : hash;
  } catch {
    return "unknown";
  }
}

/**
 * Appends a row to the table under `## <section>` in docs/benchmarks.md, creating the
 * file, the section or the table header when missing.
 */
export async function appendBenchmarkRow(section: string, columns: readonly string[], cells: readonly string[]): Promise<void> {
  const text = existsSync(BENCHMARKS_FILE) ? await readFile(BENCHMARKS_FILE, "utf8") : FILE_HEADER;
  const row = `| ${cells.map((cell) => cell.replaceAll("|", "\\|")).join(" | ")} |`;
  const heading = `## ${section}`;
  const lines = text.split("\n");
  const start = lines.findIndex((line) => line.trim() === heading);

  if (start === -1) {
    const table = [`| ${columns.join(" | ")} |`, `| ${columns.map(() => "---").join(" | ")} |`, row];
    const trimmed = text.endsWith("\n") ? text : `${text}\n`;
    await writeFile(BENCHMARKS_FILE, `${trimmed}\n${heading}\n\n${table.join("\n")}\n`);
    return;
  }

  // Insert after the last table line of this section.
  let insertAt = start + 1;
  for (let index = start + 1; index < lines.length; index += 1) {
    const line = lines[index] ?? "";
    if (line.startsWith("## ")) {
      break;
    }
    if (line.startsWith("|")) {
      insertAt = index + 1;
    }
  }
  if (insertAt === start + 1) {
    lines.splice(insertAt, 0, "", `| ${columns.join(" | ")} |`, `| ${columns.map(() => "---").join(" | ")} |`, row);
  } else {
    lines.splice(insertAt, 0, row);
  }
  await writeFile(BENCHMARKS_FILE, lines.join("\n"));
}
