import { z } from "zod";

import { instanceIdSchema, serviceNameSchema } from "@comfycarry/shared";

import { MODEL_CONFIG_FIELDS } from "./model-fields.js";

// One entry per configuration variable: its schema, whether its value may be printed,
// and the sentence that tells the user how to fix a bad value.

/** A configuration variable: read from the environment or from the JSON config file. */
export interface ConfigField<T> {
  schema: z.ZodType<T>;
  /** Secrets are never echoed in error messages. */
  secret: boolean;
  fix: string;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const httpUrlSchema = z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, ""));
const edgeUrlSchema = z.url({ protocol: /^(https?|wss?)$/ }).transform((url) => url.replace(/\/+$/, ""));
const absolutePathSchema = z.string().regex(/^\//, "an absolute path");
const portSchema = z.coerce.number().int().min(0).max(65_535);

/** Every variable the reporter reads, by its name in the environment and in the config file. */
export const CONFIG_FIELDS = {
  WORKSPACE_DIR: {
    schema: absolutePathSchema,
    secret: false,
    fix: "Set WORKSPACE_DIR to the absolute path of the persistent workspace, e.g. /workspace.",
  },
  COMFYUI_DIR: {
    schema: absolutePathSchema,
    secret: false,
    fix: "Set COMFYUI_DIR to the absolute path of the ComfyUI checkout, e.g. /workspace/ComfyUI.",
  },
  COMFYUI_URL: {
    schema: httpUrlSchema,
    secret: false,
    fix: "Set COMFYUI_URL to ComfyUI's HTTP address, e.g. http://127.0.0.1:8188.",
  },
  EDGE_URL: {
    schema: edgeUrlSchema,
    secret: false,
    fix: "Set EDGE_URL to the edge's address, e.g. https://comfycarry.example.workers.dev.",
  },
  COMFYCARRY_INSTANCE_ID: {
    schema: instanceIdSchema,
    secret: false,
    fix: "Set COMFYCARRY_INSTANCE_ID to the instance id the edge returned when the instance was created.",
  },
  COMFYCARRY_INSTANCE_TOKEN: {
    schema: z.string().min(16, "at least 16 characters").max(512),
    secret: true,
    fix: "Set COMFYCARRY_INSTANCE_TOKEN (or COMFYCARRY_TOKEN_FILE) to the token the edge returned when the instance was created.",
  },
  COMFYCARRY_TOKEN_FILE: {
    schema: absolutePathSchema,
    secret: false,
    fix: "Set COMFYCARRY_TOKEN_FILE to the absolute path of a file (mode 0600) that contains only the instance token.",
  },
  COMFYCARRY_STATE_DIR: {
    schema: absolutePathSchema,
    secret: false,
    fix: "Set COMFYCARRY_STATE_DIR to an absolute, writable directory, or leave it unset for $WORKSPACE_DIR/.comfycarry.",
  },
  COMFYUI_SERVICE: {
    schema: serviceNameSchema,
    secret: false,
    fix: "Set COMFYUI_SERVICE to the PM2 process name of ComfyUI, e.g. comfy.",
  },
  COMFYCARRY_COMFYUI_PROXY_PORT: {
    schema: portSchema,
    secret: false,
    fix: "Set COMFYCARRY_COMFYUI_PROXY_PORT to a TCP port from 1 to 65535, or 0 to pick a free port.",
  },
  COMFYCARRY_ACCESS_PROXY_PORT: {
    schema: portSchema,
    secret: false,
    fix: "Set COMFYCARRY_ACCESS_PROXY_PORT to a TCP port from 1 to 65535, or 0 to pick a free port.",
  },
  LOG_LEVEL: {
    schema: z.enum(LOG_LEVELS),
    secret: false,
    fix: `Set LOG_LEVEL to one of ${LOG_LEVELS.join(", ")}.`,
  },
  ...MODEL_CONFIG_FIELDS,
} satisfies Record<string, ConfigField<unknown>>;

export type ConfigVariable = keyof typeof CONFIG_FIELDS;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const CONFIG_VARIABLES = Object.keys(CONFIG_FIELDS) as ConfigVariable[];
