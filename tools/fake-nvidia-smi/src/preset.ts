/** Loading and validating GPU preset files (see README.md for the format). */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";

import { z } from "zod/mini";

/** A reading: a number, or text such as `[N/A]` that nvidia-smi prints verbatim. */
const readingSchema = z.union([z.number(), z.string()]);

const gpuSchema = z.catchall(
  z.object({
    index: z.int().check(z.nonnegative()),
    name: z.string(),
    uuid: z.string(),
  }),
  readingSchema,
);

const presetSchema = z.object({
  driver_version: z.string(),
  cuda_version: z.string(),
  failure: z.nullable(z.literal("nvml")),
  gpus: z.array(gpuSchema),
});

export type Preset = z.infer<typeof presetSchema>;
export type PresetGpu = Preset["gpus"][number];
export type Reading = z.infer<typeof readingSchema>;

/** Error with the exit status the process should end with. */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    /** Whether the text goes to stdout, as nvidia-smi prints its own errors there. */
    readonly toStdout = false,
  ) {
    super(message);
  }
}

export const PRESET_ENV = "FAKE_NVIDIA_SMI_PRESET";
const DEFAULT_PRESET = "h100";

// The bundle lives in dist/, and the presets folder sits beside it.
const presetsDir = join(dirname(fileURLToPath(import.meta.url)), "..", "presets");

/** Returns the preset file selected by `FAKE_NVIDIA_SMI_PRESET`: a name under presets/ or an absolute path. */
export function presetPath(env: NodeJS.ProcessEnv = process.env): string {
  const selection = env[PRESET_ENV] ?? DEFAULT_PRESET;
  if (isAbsolute(selection)) {
    return selection;
  }
  if (!/^[A-Za-z0-9_-]+$/.test(selection)) {
    throw new ExitError(
      `fake nvidia-smi: invalid ${PRESET_ENV}=${JSON.stringify(selection)}; use a preset name such as h100 or an absolute path to a JSON file`,
      1,
    );
  }
  return join(presetsDir, `${selection}.json`);
}

/** Reads and validates the selected preset; called once per sample so a rewritten file takes effect. */
export function loadPreset(env: NodeJS.ProcessEnv = process.env): Preset {
  const path = presetPath(env);

  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ExitError(`fake nvidia-smi: cannot read preset ${path}: ${reason}; check ${PRESET_ENV}`, 1);
  }

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ExitError(`fake nvidia-smi: preset ${path} is not valid JSON`, 1);
  }

  const result = presetSchema.safeParse(json);
  if (!result.success) {
    throw new ExitError(`fake nvidia-smi: preset ${path} is invalid:\n${z.prettifyError(result.error)}`, 1);
  }
  return result.data;
}
