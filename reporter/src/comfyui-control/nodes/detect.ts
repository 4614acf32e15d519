/** Telling which ComfyUI-Manager answers: v4 under `/v2`, the legacy one (GET or POST routes), or none. */
import type { ManagerFlavour } from "@comfycarry/shared";

import { plainFetch } from "../../http/plain-fetch.js";

export interface DetectedManager {
  flavour: ManagerFlavour;
  version: string | null;
}

async function versionAt(baseUrl: string, path: string): Promise<string | null> {
  try {
    const response = await plainFetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(3_000) });
    const text = (await response.text()).trim();
    return response.ok && /^V\d/.test(text) ? text : null;
  } catch {
    return null;
  }
}

/** Legacy Manager turned its action GETs into POSTs in 3.40. */
function legacyUsesGet(version: string): boolean {
  const [major = 0, minor = 0] = version.slice(1).split(".").map(Number);
  return major < 3 || (major === 3 && minor < 40);
}

/** Probes v4 first, as Manager's own frontend does; a ComfyUI that does not answer has none. */
export async function detectManager(baseUrl: string): Promise<DetectedManager> {
  const v4 = await versionAt(baseUrl, "/api/v2/manager/version");
  if (v4 !== null) {
    return { flavour: "v4", version: v4 };
  }
  const legacy = await versionAt(baseUrl, "/api/manager/version");
  if (legacy !== null) {
    return { flavour: legacyUsesGet(legacy) ? "legacy-get" : "legacy-post", version: legacy };
  }
  return { flavour: "none", version: null };
}
