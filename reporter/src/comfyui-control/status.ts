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
