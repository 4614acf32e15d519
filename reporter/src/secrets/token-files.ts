import { createHash } from "node:crypto";
import { chmod, mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";

import { REPORTER_TOKEN_NAMES } from "@comfycarry/shared";
import type { HeldSecrets, ReporterTokenName } from "@comfycarry/shared";

import type { HostKind, TokenSource } from "../downloads/hosts.js";
import type { Logger } from "../log/logger.js";
import { writeFileAtomic } from "../sync/fs/atomic-write.js";

/** Stored token of each download host. ModelScope has none at the edge yet. */
const TOKEN_FOR_HOST: Record<HostKind, ReporterTokenName | null> = { civitai: "civitai_token", huggingface: "hf_token", modelscope: null };

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "ENOENT";
}

/**
 * The CivitAI and Hugging Face tokens the edge handed to this instance, one file each with
 * mode 0600 in a 0700 folder under the state dir, and in memory for quick reads. Values sit
 * in a private field, so logging this object shows only which tokens are held.
 */
export class TokenFiles {
  readonly dir: string;
  readonly #log: Logger;
  readonly #values = new Map<ReporterTokenName, string>();

  private constructor(dir: string, log: Logger) {
    this.dir = dir;
    this.#log = log;
  }

  /** Opens `<stateDir>/secrets`, creating it, and loads the tokens kept there by an earlier run. */
  static async open(stateDir: string, log: Logger): Promise<TokenFiles> {
    const files = new TokenFiles(join(stateDir, "secrets"), log.child({ component: "secrets" }));
    await mkdir(files.dir, { recursive: true, mode: 0o700 });
    await chmod(files.dir, 0o700);
    for (const name of REPORTER_TOKEN_NAMES) {
      try {
        const value = await readFile(files.#path(name), "utf8");
        if (value !== "") {
          files.#values.set(name, value);
        }
      } catch (error) {
        if (!isMissing(error)) {
          throw error;
        }
      }
    }
    return files;
  }

  /** Returns token `name`, or null when the edge handed none. */
  get(name: ReporterTokenName): string | null {
    return this.#values.get(name) ?? null;
  }

  /** Stores token `name` and returns its SHA-256. */
  async set(name: ReporterTokenName, value: string): Promise<string> {
    await writeFileAtomic(this.#path(name), value, 0o600);
    this.#values.set(name, value);
    this.#log.info({ name }, "stored a token from the edge");
    return sha256(value);
  }

  /** Deletes token `name`; returns whether one was held. */
  async clear(name: ReporterTokenName): Promise<boolean> {
    const held = this.#values.delete(name);
    await rm(this.#path(name), { force: true });
    this.#log.info({ name, held }, "removed a token at the edge's request");
    return held;
  }

  /** SHA-256 of each held token, for `hello.secrets.tokens`. */
  digests(): HeldSecrets["tokens"] {
    return Object.fromEntries([...this.#values].map(([name, value]) => [name, sha256(value)]));
  }

  /**
   * Returns the tokens as the downloads engine reads them. A token from the edge wins, and
   * `fallback` (e.g. tokens from the reporter's environment) covers hosts the edge sent none for.
   */
  tokenSource(fallback?: TokenSource): TokenSource {
    return {
      get: (kind) => {
        const name = TOKEN_FOR_HOST[kind];
        return (name === null ? null : this.get(name)) ?? fallback?.get(kind) ?? null;
      },
    };
  }

  toJSON(): Record<ReporterTokenName, "set" | "unset"> {
    const state = (name: ReporterTokenName) => (this.#values.has(name) ? "set" : "unset");
    return { civitai_token: state("civitai_token"), hf_token: state("hf_token"), cloudflare_token: state("cloudflare_token") };
  }

  #path(name: ReporterTokenName): string {
    return join(this.dir, name);
  }
}
