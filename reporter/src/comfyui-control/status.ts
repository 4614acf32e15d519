/** ComfyUI, PyTorch and Python versions as ComfyUI reports them in /system_stats. */
import { z } from "zod";

import { parseValue } from "@comfycarry/shared";

import { plainFetch } from "../http/plain-fetch.js";

const statsSchema = z.looseObject({
  system: z.looseObject({
    comfyui_version: z.string().nullish(),
    pytorch_version: z.string().nullish(),
    python_version: z.string().nullish(),
  }),
});

export interface SystemVersions {
  comfyui: string | null;
  pytorch: string | null;
  python: string | null;
}

/** Reads the versions; nulls when ComfyUI does not answer or answers something else. */
export async function systemVersions(baseUrl: string): Promise<SystemVersions> {
  const none = { comfyui: null, pytorch: null, python: null };
  try {
    const response = await plainFetch(`${baseUrl}/system_stats`, { signal: AbortSignal.timeout(3_000) });
    const parsed = parseValue(statsSchema, await response.json());
    if (!parsed.ok) {
      return none;
    }
    const { system } = parsed.value;
    return { comfyui: system.comfyui_version ?? null, pytorch: system.pytorch_version ?? null, python: system.python_version ?? null };
  } catch {
    return none;
  }
}

/** A reader of the versions that keeps the last ones read, for when /system_stats fails while ComfyUI runs. */
export class VersionReader {
  #last: SystemVersions | null = null;

  constructor(readonly baseUrl: string) {}

  /** Reads the versions, or returns the last known ones when this read returns none. */
  async read(): Promise<SystemVersions> {
    const read = await systemVersions(this.baseUrl);
    if (read.comfyui === null && read.pytorch === null && read.python === null) {
      return this.#last ?? read;
    }
    this.#last = read;
    return read;
  }
}
