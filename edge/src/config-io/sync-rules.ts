/**
 * @module Validates and converts the old export's `sync_rules`. The old version stored them
 * unchecked, so each rule is validated on its own and a bad one is rejected by index with the
 * reason. Its `sync` method deletes on the target, so it becomes a mirror rule that stays
 * disabled and unconfirmed until the user confirms it in the wizard.
 */
import { importedSyncRuleSchema, syncRemoteNameSchema } from "@comfycarry/shared";
import type { ImportedSyncRule } from "@comfycarry/shared";
import { z } from "zod";

import type { ImportReport } from "./report.js";

const oldRuleSchema = z.object({
  id: z.unknown().optional(),
  name: z.string().trim().min(1).max(100),
  remote: syncRemoteNameSchema,
  remote_path: z.string().max(1000),
  local_path: z.string().min(1).max(1000),
  direction: z.enum(["pull", "push"]),
  method: z.enum(["copy", "sync", "move"]).default("copy"),
  trigger: z.enum(["manual", "deploy", "watch"]).default("manual"),
  enabled: z.boolean().default(true),
  filters: z.union([z.array(z.string().max(500)).max(200), z.string().max(100_000)]).default([]),
  watch_interval: z.unknown().optional(),
});
type OldRule = z.infer<typeof oldRuleSchema>;

type Outcome<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Splits rclone filter lines (`+ *.png`, `- *`) into include and exclude patterns. */
export function splitFilters(raw: string[] | string): Outcome<ImportedSyncRule["filters"]> {
  const lines = typeof raw === "string" ? raw.split(/\r?\n/) : raw;
  const filters: ImportedSyncRule["filters"] = { include: [], exclude: [] };
  for (const [index, rawLine] of lines.entries()) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) {
      continue;
    }
    const match = /^([+-])\s+(\S.*)$/.exec(line);
    if (match === null || match[1] === undefined || match[2] === undefined) {
      return { ok: false, reason: `filter line ${index + 1} does not start with "+ " or "- "` };
    }
    if (match[2].startsWith("-")) {
      return { ok: false, reason: `filter line ${index + 1} has a pattern starting with "-", which rclone would read as a flag` };
    }
    (match[1] === "+" ? filters.include : filters.exclude).push(match[2]);
  }
  return { ok: true, value: filters };
}

/** Turns `/ComfyUI/models/loras` (relative to the workspace, written with a leading '/') into `ComfyUI/models/loras`. */
function localPath(raw: string): Outcome<string> {
  const path = raw.replace(/^\/+|\/+$/g, "");
  if (path === "" || path.split("/").includes("..")) {
    return { ok: false, reason: "local_path must name a folder inside the workspace, without '..'" };
  }
  return { ok: true, value: path };
}

function remotePath(raw: string): Outcome<string> {
  const path = raw.replace(/^\/+|\/+$/g, "");
  if (path === "" || path === "." || path.split("/").includes("..")) {
    return { ok: false, reason: "remote_path must name a folder on the remote, without '..'; syncing a remote's root is not allowed" };
  }
  return { ok: true, value: path };
}

function trigger(rule: OldRule, watchIntervalS: number): ImportedSyncRule["trigger"] {
  if (rule.trigger === "deploy") {
    return { type: "on_deploy" };
  }
  if (rule.trigger === "watch") {
    // Our watch trigger follows local file changes, which only a push can use; a watched pull polls instead.
    return rule.direction === "push" ? { type: "watch" } : { type: "interval", every_s: Math.max(60, watchIntervalS) };
  }
  return { type: "manual" };
}

function convert(rule: OldRule, watchIntervalS: number): Outcome<ImportedSyncRule> {
  const local = localPath(rule.local_path);
  if (!local.ok) {
    return local;
  }
  const remote = remotePath(rule.remote_path);
  if (!remote.ok) {
    return remote;
  }
  const filters = splitFilters(rule.filters);
  if (!filters.ok) {
    return filters;
  }

  const mirror = rule.method === "sync";
  const converted = importedSyncRuleSchema.safeParse({
    name: rule.name,
    local_path: local.value,
    remote: rule.remote,
    remote_path: remote.value,
    direction: rule.direction,
    method: mirror ? "mirror" : rule.method,
    mirror_confirmed: false,
    trigger: trigger(rule, watchIntervalS),
    filters: filters.value,
    enabled: mirror ? false : rule.enabled,
  });
  if (!converted.success) {
    return { ok: false, reason: converted.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ") };
  }
  return { ok: true, value: converted.data };
}

function issueText(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(rule)"}: ${issue.message}`)
    .join("; ");
}

/** Returns the rules of `raw` that are valid, reporting each rule by index. */
export function mapSyncRules(raw: unknown, watchIntervalS: number, report: ImportReport): ImportedSyncRule[] {
  if (!Array.isArray(raw)) {
    report.rejected("sync_rules", "expected a list of rules");
    return [];
  }
  const rules: ImportedSyncRule[] = [];
  const names = new Set<string>();
  for (const [index, item] of raw.entries()) {
    const field = `sync_rules[${index}]`;
    const parsed = oldRuleSchema.safeParse(item);
    if (!parsed.success) {
      report.rejected(field, issueText(parsed.error));
      continue;
    }
    const converted = convert(parsed.data, watchIntervalS);
    if (!converted.ok) {
      report.rejected(field, converted.reason);
      continue;
    }
    if (names.has(converted.value.name.toLowerCase())) {
      report.rejected(field, `a rule named "${converted.value.name}" was imported already; rule names must differ`);
      continue;
    }
    names.add(converted.value.name.toLowerCase());
    rules.push(converted.value);
    const note =
      converted.value.method === "mirror"
        ? "imported as a disabled mirror rule: a mirror deletes files on the target that are gone from the source, so confirm it in the wizard to enable it"
        : null;
    report.applied(field, `config:sync_rules.${converted.value.name}`, note);
  }
  return rules;
}
