/**
 * The tunnel's saved settings (`<stateDir>/tunnel/settings.json`) and its two secrets, the
 * tunnel token and the Cloudflare API token, one file each with mode 0600 in a 0700 folder.
 * cloudflared reads the tunnel token from its file (`--token-file`), so it never appears on
 * a command line or in PM2's process list.
 */
import { chmod, mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";

import { parseValue, tunnelModeSchema, tunnelServiceSchema } from "@comfycarry/shared";
import writeFileAtomic from "write-file-atomic";
import { z } from "zod";

/** What API mode created, so a second run reuses it and `tunnel.remove` deletes only that. */
const apiStateSchema = z.object({
  domain: z.string(),
  subdomain: z.string(),
  account_id: z.string().nullable(),
  zone_id: z.string().nullable(),
  tunnel_id: z.string().nullable(),
  /** DNS record ids by hostname, created by this reporter. */
  records: z.record(z.string(), z.string()),
  /** The origin the ingress points at; the access proxy's port may change when the reporter restarts. */
  origin: z.string().optional(),
});
export type ApiState = z.infer<typeof apiStateSchema>;

const settingsSchema = z.object({
  mode: tunnelModeSchema.nullable(),
  enabled: z.boolean(),
  services: z.array(tunnelServiceSchema),
  api: apiStateSchema.nullable(),
});
export type TunnelSettings = z.infer<typeof settingsSchema>;

export type SecretName = "tunnel-token" | "api-token";

const EMPTY: TunnelSettings = { mode: null, enabled: false, services: [], api: null };

function isMissing(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "ENOENT";
}

export class TunnelStore {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, "tunnel");
  }

  /** Creates the folder and returns the saved settings; a missing or unreadable file means none. */
  async load(): Promise<{ settings: TunnelSettings; problem: string | null }> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    let text: string;
    try {
      text = await readFile(join(this.dir, "settings.json"), "utf8");
    } catch (error) {
      if (isMissing(error)) {
        return { settings: structuredClone(EMPTY), problem: null };
      }
      throw error;
    }

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { settings: structuredClone(EMPTY), problem: `${join(this.dir, "settings.json")} is not valid JSON; the tunnel starts unconfigured` };
    }
    const parsed = parseValue(settingsSchema, json);
    return parsed.ok
      ? { settings: parsed.value, problem: null }
      : { settings: structuredClone(EMPTY), problem: `${join(this.dir, "settings.json")} is invalid (${parsed.issues}); the tunnel starts unconfigured` };
  }

  async save(settings: TunnelSettings): Promise<void> {
    await writeFileAtomic(join(this.dir, "settings.json"), `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  }

  /** Path of a secret's file, for cloudflared's `--token-file`. */
  secretPath(name: SecretName): string {
    return join(this.dir, name);
  }

  async readSecret(name: SecretName): Promise<string | null> {
    try {
      const value = (await readFile(this.secretPath(name), "utf8")).trim();
      return value === "" ? null : value;
    } catch (error) {
      if (isMissing(error)) {
        return null;
      }
      throw error;
    }
  }

  async writeSecret(name: SecretName, value: string): Promise<void> {
    await writeFileAtomic(this.secretPath(name), value, { mode: 0o600 });
  }

  async clearSecret(name: SecretName): Promise<void> {
    await rm(this.secretPath(name), { force: true });
  }

  /**
   * Writes the config file quick tunnels run with. It holds `{}`, because cloudflared logs an
   * error for an empty file, and an explicit `--config` stops it from reading a named-tunnel
   * `~/.cloudflared/config.yml`, whose ingress would override `--url`.
   */
  async emptyConfigPath(): Promise<string> {
    const path = join(this.dir, "quick-config.yml");
    await writeFileAtomic(path, "{}\n", { mode: 0o600 });
    return path;
  }
}
