import { z } from "zod";

import { comfyuiControlCommands } from "./comfyui-control.js";
import { syncCommands } from "./sync.js";
import { modelsCommands } from "./models.js";
import { secretsCommands } from "./secrets.js";
import { workflowsCommands } from "./workflows.js";
import { galleryCommands } from "./gallery.js";
import { healthCommands, logsCommands } from "./health.js";
import { tunnelCommands } from "./tunnel.js";
import { deployCommands } from "./deploy.js";
import { serviceStatusSchema } from "./overview.js";

// The allowlist of commands the edge relays and the reporter executes. Both sides parse
// the arguments with these schemas; anything else is rejected with `unknown_command`
// or `invalid_arguments`.

/** A PM2 process name: letters, digits, dot, dash and underscore, so it never reads as a flag. */
export const serviceNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/, "a PM2 name of 1–64 letters, digits, '.', '_' or '-', not starting with '.' or '-'");

const serviceArgsSchema = z.strictObject({ name: serviceNameSchema });

const serviceResultSchema = z.object({
  name: z.string(),
  status: serviceStatusSchema,
  restarts: z.number().int().nonnegative(),
  pid: z.number().int().nullable(),
});

/** ComfyUI prompt ids are client-chosen strings; this bounds them to a safe shape. */
export const promptIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "a prompt id of 1–128 letters, digits, '_' or '-'");

/**
 * Scope a caller needs to send a command. `read` commands change nothing, `control` ones act on the
 * instance (restart, interrupt), `admin` ones change settings or secrets.
 */
export const commandScopeSchema = z.enum(["read", "control", "admin"]);
export type CommandScope = z.infer<typeof commandScopeSchema>;

/** One allowlisted command: its argument and result schemas and the scope it needs. */
export interface CommandSpec {
  args: z.ZodType;
  result: z.ZodType;
  scope: CommandScope;
}

const coreCommands = {
  "service.start": { args: serviceArgsSchema, result: serviceResultSchema, scope: "control" },
  "service.stop": { args: serviceArgsSchema, result: serviceResultSchema, scope: "control" },
  "service.restart": { args: serviceArgsSchema, result: serviceResultSchema, scope: "control" },
  "comfyui.interrupt": {
    args: z.strictObject({ prompt_id: promptIdSchema.optional() }),
    result: z.object({ interrupted: z.boolean() }),
    scope: "control",
  },
  "comfyui.queue.clear": {
    args: z.strictObject({}),
    result: z.object({ cleared: z.number().int().nonnegative() }),
    scope: "control",
  },
} as const satisfies Record<string, CommandSpec>;

/**
 * Every allowlisted command. A feature adds its commands as a `const … satisfies
 * Record<string, CommandSpec>` object in its own module and spreads it in here.
 */
export const commandSchemas = {
  ...coreCommands,
  ...comfyuiControlCommands,
  ...modelsCommands,
  ...syncCommands,
  ...secretsCommands,
  ...workflowsCommands,
  ...tunnelCommands,
  ...healthCommands,
  ...logsCommands,
  ...deployCommands,
  ...galleryCommands,
} as const;

export type CommandName = keyof typeof commandSchemas;
export const COMMAND_NAMES = Object.keys(commandSchemas) as CommandName[];
export const commandNameSchema = z.enum(COMMAND_NAMES as [CommandName, ...CommandName[]]);

export type CommandArgs<N extends CommandName> = z.infer<(typeof commandSchemas)[N]["args"]>;
export type CommandResultData<N extends CommandName> = z.infer<(typeof commandSchemas)[N]["result"]>;

/** Returns whether `name` is an allowlisted command. */
export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commandSchemas, name);
}

/** Command ids are assigned by the edge: a UUID. */
export const commandIdSchema = z.uuid();
