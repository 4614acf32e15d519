import { z } from "zod";

import { remoteNameSchema } from "../remotes/remotes.js";

/**
 * Sync rules as stored in the rules file and sent over the protocol (snake_case, like
 * the rest of the protocol). Zod issues carry the field path, so a bad rule is
 * rejected with a message naming the field.
 */

export const ruleIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "a rule id has lowercase letters, digits and dashes, at most 63 characters");

export const directionSchema = z.enum(["push", "pull", "two_way"]);
export type Direction = z.infer<typeof directionSchema>;

export const methodSchema = z.enum(["copy", "mirror", "move"]);
export type Method = z.infer<typeof methodSchema>;

export const triggerSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("manual") }),
  z.object({ type: z.literal("watch") }),
  z.object({ type: z.literal("interval"), every_s: z.number().int().min(60).max(7 * 24 * 3600) }),
  z.object({ type: z.literal("on_deploy") }),
]);
export type Trigger = z.infer<typeof triggerSchema>;

// A filter pattern becomes one `--filter` argument; a leading dash would be read as a flag.
const filterPattern = z
  .string()
  .min(1)
  .max(500)
  .refine((pattern) => !pattern.startsWith("-") && !/[\r\n]/.test(pattern), "a filter pattern must not start with - or contain line breaks");

const remotePath = z
  .string()
  .max(1000)
  .transform((path) => path.replace(/^\/+|\/+$/g, ""))
  .refine((path) => path !== "" && path !== ".", "the remote path must name a folder; syncing a remote's root is not allowed")
  .refine((path) => !path.split("/").includes(".."), "the remote path must not contain ..");

/** The fields a user sets; the id and timestamps are added by the store. */
const ruleFields = z.object({
  name: z.string().trim().min(1).max(100),
  /** Relative to the workspace, or absolute inside it. */
  local_path: z.string().min(1).max(1000),
  remote: remoteNameSchema,
  remote_path: remotePath,
  direction: directionSchema,
  method: methodSchema.default("copy"),
  /** Must be true for a mirror rule: mirror deletes remote files that are gone locally. */
  mirror_confirmed: z.boolean().default(false),
  /** Deletions one run may make before it asks for confirmation. */
  max_delete: z.number().int().min(0).max(100_000).default(20),
  trigger: triggerSchema.default({ type: "manual" }),
  filters: z
    .object({ include: z.array(filterPattern).max(100).default([]), exclude: z.array(filterPattern).max(100).default([]) })
    .default({ include: [], exclude: [] }),
  enabled: z.boolean().default(true),
});

function checkCombination(rule: z.infer<typeof ruleFields>, context: z.RefinementCtx): void {
  if (rule.method === "mirror" && !rule.mirror_confirmed) {
    context.addIssue({
      code: "custom",
      path: ["mirror_confirmed"],
      message: "a mirror rule deletes remote files that are gone locally; set mirror_confirmed to true to allow it",
    });
  }
  if (rule.direction === "two_way" && rule.method !== "copy") {
    context.addIssue({ code: "custom", path: ["method"], message: "a two-way rule has no method; leave it as copy" });
  }
  if (rule.trigger.type === "watch" && rule.direction !== "push") {
    context.addIssue({ code: "custom", path: ["trigger"], message: "the watch trigger only works on push rules" });
  }
}

/** A rule as a user creates it. */
export const ruleInputSchema = ruleFields.superRefine(checkCombination);
export type RuleInput = z.input<typeof ruleInputSchema>;

/** A stored rule. */
export const ruleSchema = ruleFields
  .extend({
    id: ruleIdSchema,
    created_at: z.iso.datetime({ offset: false }),
    updated_at: z.iso.datetime({ offset: false }),
  })
  .superRefine(checkCombination);
export type SyncRule = z.infer<typeof ruleSchema>;

/** A partial update: any user field. */
export const rulePatchSchema = ruleFields.partial();
export type RulePatch = z.input<typeof rulePatchSchema>;

/** The rules file. `version` changes when the stored shape does. */
export const rulesFileSchema = z.object({ version: z.literal(1), rules: z.array(ruleSchema) });
export type RulesFile = z.infer<typeof rulesFileSchema>;
