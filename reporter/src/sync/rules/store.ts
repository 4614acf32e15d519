import { readFile } from "node:fs/promises";

import { toUtcTimestamp } from "@comfycarry/shared";

import { writeFileAtomic } from "../fs/atomic-write.js";
import { ruleErrorFromZod, ruleFieldError } from "./errors.js";
import { rulesFileSchema } from "./schema.js";
import type { SyncRule } from "./schema.js";

/**
 * The rules file (`sync-rules.json` under the state dir), kept in memory and written
 * atomically after every change. Validation beyond the schema (paths, remotes) happens
 * before a rule reaches the store; the store re-checks the schema on load and save.
 */
export class RuleStore {
  readonly path: string;
  #rules: SyncRule[] = [];

  constructor(path: string) {
    this.path = path;
  }

  /** Loads the file; a missing file is an empty rule list, a corrupt one is an error naming the field. */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if (error instanceof Error && "code" in error && error.code === "ENOENT") {
        this.#rules = [];
        return;
      }
      throw error;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw ruleFieldError("rules_file", `${this.path} is not valid JSON; fix or remove it`);
    }
    const parsed = rulesFileSchema.safeParse(raw);
    if (!parsed.success) {
      throw ruleErrorFromZod(parsed.error);
    }
    this.#rules = parsed.data.rules;
  }

  list(): SyncRule[] {
    return [...this.#rules];
  }

  get(id: string): SyncRule | undefined {
    return this.#rules.find((rule) => rule.id === id);
  }

  /** Inserts or replaces a rule and saves the file. */
  async put(rule: SyncRule): Promise<void> {
    const next = this.#rules.filter((existing) => existing.id !== rule.id);
    next.push(rule);
    await this.#save(next);
  }

  /** Replaces every rule at once (import) and saves the file. */
  async replaceAll(rules: SyncRule[]): Promise<void> {
    await this.#save(rules);
  }

  /** Removes a rule; returns whether it existed. */
  async remove(id: string): Promise<boolean> {
    const next = this.#rules.filter((rule) => rule.id !== id);
    if (next.length === this.#rules.length) {
      return false;
    }
    await this.#save(next);
    return true;
  }

  /** Returns a fresh id derived from `name`, unique among the stored rules. */
  newId(name: string): string {
    const base =
      name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, 40) || "rule";
    let id = base;
    for (let n = 2; this.get(id) !== undefined; n += 1) {
      id = `${base}-${n}`;
    }
    return id;
  }

  async #save(rules: SyncRule[]): Promise<void> {
    const file = rulesFileSchema.parse({ version: 1, rules });
    await writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`, 0o600);
    this.#rules = file.rules;
  }
}

/** Returns the timestamp the store puts in `created_at` and `updated_at`. */
export function ruleTimestamp(now: Date = new Date()): string {
  return toUtcTimestamp(now);
}
