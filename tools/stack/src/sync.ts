import { mkdir } from "node:fs/promises";
import { join } from "node:path";

import { syncCommands } from "@comfycarry/shared";

import { waitFor } from "./ports.js";
import type { EdgeClient } from "./edge-client.js";

/** Name of the local-disk rclone remote the stack offers. */
export const LOCAL_REMOTE = "local";

/** Folder behind the local remote, under the stack's state dir. */
export function localRemoteDir(stateDir: string): string {
  return join(stateDir, "sync-remote");
}

/** rclone.conf text for the local remote: an alias of a folder, so remote paths stay relative. */
export function localRemoteConf(stateDir: string, name = LOCAL_REMOTE): string {
  return `[${name}]\ntype = alias\nremote = ${localRemoteDir(stateDir)}\n`;
}

/** Creates the folder behind the local remote. */
export async function prepareLocalRemote(stateDir: string): Promise<void> {
  await mkdir(localRemoteDir(stateDir), { recursive: true });
}

/**
 * Waits for the reporter's sync engine and creates the "outputs → remote" watch rule
 * on the local remote unless a rule exists already (a demo restarted on old state).
 */
export async function ensureOutputsRule(client: EdgeClient, instanceId: string): Promise<void> {
  await waitFor(
    "the reporter's sync engine",
    async () => {
      const status = await client.command(instanceId, "sync.status", {});
      const parsed = status.ok ? syncCommands["sync.status"].result.safeParse(status.data) : null;
      return parsed?.success === true && parsed.data.engine.state === "running";
    },
    60_000,
    500,
  );

  const listed = await client.command(instanceId, "sync.rule.list", {});
  const rules = listed.ok ? syncCommands["sync.rule.list"].result.safeParse(listed.data) : null;
  if (rules?.success === true && rules.data.rules.length > 0) {
    return;
  }
  const created = await client.command(instanceId, "sync.rule.create", { preset: "outputs", options: { remote: LOCAL_REMOTE } });
  if (!created.ok) {
    throw new Error(`creating the outputs sync rule failed: ${created.error.code} ${created.error.message}`);
  }
}
