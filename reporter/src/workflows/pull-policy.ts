/** The per-folder policy for bringing models to a fresh instance, stored in the reporter's state folder. */
import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";

import { pullPolicySchema } from "@comfycarry/shared";
import type { PullPolicy } from "@comfycarry/shared";
import writeFileAtomic from "write-file-atomic";
import { z } from "zod";

import type { Logger } from "../log/logger.js";

/**
 * Large folders default to on-demand, so a restore does not wait for files no prompt may need today.
 * `unet` and `clip` are the older names ComfyUI still accepts for two of them.
 */
export const DEFAULT_POLICIES: Readonly<Record<string, PullPolicy>> = {
  checkpoints: "on_demand",
  diffusion_models: "on_demand",
  unet: "on_demand",
  loras: "on_demand",
};
export const DEFAULT_POLICY: PullPolicy = "restore";

/** Directories below `models` that a restore leaves out by default: the on-demand folders. */
export const ON_DEMAND_BY_DEFAULT: readonly string[] = Object.entries(DEFAULT_POLICIES)
  .filter(([, policy]) => policy === "on_demand")
  .map(([folder]) => folder);

const fileSchema = z.object({ folders: z.record(z.string(), pullPolicySchema) });

export interface PolicyView {
  folders: Record<string, PullPolicy>;
  default: PullPolicy;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export class PullPolicies {
  #folders: Record<string, PullPolicy> = { ...DEFAULT_POLICIES };

  private constructor(
    private readonly path: string,
    private readonly log: Logger,
  ) {}

  /** Loads the stored policies; a missing file means the defaults, a broken one is logged and replaced by them. */
  static async open(path: string, log: Logger): Promise<PullPolicies> {
    const policies = new PullPolicies(path, log);
    let text: string | null = null;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        log.warn({ err: error, path }, "pull policy file could not be read; using the defaults");
      }
    }
    if (text !== null) {
      const parsed = fileSchema.safeParse(parseJson(text));
      if (parsed.success) {
        policies.#folders = { ...DEFAULT_POLICIES, ...parsed.data.folders };
      } else {
        log.warn({ path, issues: parsed.error.issues.slice(0, 3) }, "pull policy file is invalid; using the defaults");
      }
    }
    return policies;
  }

  policyFor(folder: string): PullPolicy {
    return this.#folders[folder] ?? DEFAULT_POLICY;
  }

  view(): PolicyView {
    return { folders: { ...this.#folders }, default: DEFAULT_POLICY };
  }

  /** Folders a restore leaves out because their models come later or never. */
  excludedFromRestore(): string[] {
    return Object.entries(this.#folders)
      .filter(([, policy]) => policy !== "restore")
      .map(([folder]) => folder)
      .sort();
  }

  async set(folder: string, policy: PullPolicy): Promise<PolicyView> {
    this.#folders[folder] = policy;
    // ComfyUI reads diffusion models from both `diffusion_models` and `unet`, so both follow one setting.
    if (folder === "diffusion_models") {
      this.#folders["unet"] = policy;
    }
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.path, `${JSON.stringify({ folders: this.#folders }, null, 2)}\n`);
    this.log.info({ folder, policy }, "model pull policy changed");
    return this.view();
  }
}
