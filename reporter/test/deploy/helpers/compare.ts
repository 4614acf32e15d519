/** What "the same end state" means for a deploy: file paths and hashes (logs, caches and git internals left out) and the recorded step rows. */
import { createHash } from "node:crypto";
import { lstat, readFile, readdir, readlink } from "node:fs/promises";
import { join, relative } from "node:path";
import { DatabaseSync } from "node:sqlite";

/** Names skipped anywhere in the tree: git's own bookkeeping (index times, reflogs), Python caches, logs. */
const SKIPPED_NAMES = new Set([".git", "__pycache__"]);
const SKIPPED_SUFFIXES = [".pyc", ".log"];

/** Maps each file under `root` (minus `skip` folders) to its SHA-256; symlinks map to their target. */
export async function treeDigest(root: string, skip: string[]): Promise<Record<string, string>> {
  const digest: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      if (SKIPPED_NAMES.has(name) || SKIPPED_SUFFIXES.some((suffix) => name.endsWith(suffix)) || skip.includes(path)) {
        continue;
      }
      const stats = await lstat(path);
      if (stats.isSymbolicLink()) {
        digest[relative(root, path)] = `-> ${await readlink(path)}`;
      } else if (stats.isDirectory()) {
        await walk(path);
      } else {
        digest[relative(root, path)] = createHash("sha256").update(await readFile(path)).digest("hex");
      }
    }
  };
  await walk(root);
  return digest;
}

/** Reads the rows that decide what a deploy skips and reports, without their timestamps. */
export function recordedRows(databasePath: string): { results: unknown[]; issues: unknown[] } {
  const db = new DatabaseSync(databasePath, { readOnly: true });
  try {
    return {
      results: db.prepare("SELECT step_id, inputs_hash, outcome FROM step_results ORDER BY step_id").all(),
      issues: db.prepare("SELECT name, issue FROM node_issues ORDER BY name").all(),
    };
  } finally {
    db.close();
  }
}

/** Returns the step that was running when a deploy was killed; the next engine marks it failed with code `interrupted`. */
export function killedStep(databasePath: string): string | null {
  const db = new DatabaseSync(databasePath, { readOnly: true });
  try {
    const row = db
      .prepare("SELECT step_id FROM run_steps JOIN runs ON runs.id = run_steps.run_id WHERE runs.state = 'interrupted' AND json_extract(step, '$.error.code') = 'interrupted' ORDER BY runs.started_at DESC LIMIT 1")
      .get();
    return row === undefined ? null : String(row["step_id"]);
  } finally {
    db.close();
  }
}

/** Lists how `after` differs from `clean`: files missing, extra or changed, and rows that differ. Empty when they match. */
export function describeDifferences(clean: { digest: Record<string, string>; rows: ReturnType<typeof recordedRows> }, after: { digest: Record<string, string>; rows: ReturnType<typeof recordedRows> }): string[] {
  const differences: string[] = [];
  for (const [path, hash] of Object.entries(clean.digest)) {
    const found = after.digest[path];
    if (found === undefined) {
      differences.push(`missing file ${path}`);
    } else if (found !== hash) {
      differences.push(`changed file ${path}`);
    }
  }
  for (const path of Object.keys(after.digest)) {
    if (!(path in clean.digest)) {
      differences.push(`extra file ${path}`);
    }
  }
  for (const table of ["results", "issues"] as const) {
    const cleanRows = clean.rows[table].map((row) => JSON.stringify(row));
    const afterRows = after.rows[table].map((row) => JSON.stringify(row));
    for (const row of cleanRows.filter((row) => !afterRows.includes(row))) {
      differences.push(`${table} row missing: ${row}`);
    }
    for (const row of afterRows.filter((row) => !cleanRows.includes(row))) {
      differences.push(`${table} row extra: ${row}`);
    }
  }
  return differences;
}
