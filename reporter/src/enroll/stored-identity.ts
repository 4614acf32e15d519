import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { instanceIdSchema } from "@comfycarry/shared";

// The instance id and reporter token that enrollment got from the edge, kept under the state
// dir with mode 0600 so a restart reuses them instead of enrolling again.

export const TOKEN_FILE_NAME = "instance-token";
export const INSTANCE_ID_FILE_NAME = "instance-id";

export interface StoredIdentity {
  instanceId: string;
  tokenFile: string;
}

/** Writes `text` so that the file never exists with wider permissions or half written. */
async function writePrivate(path: string, text: string): Promise<void> {
  const temp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temp, text, { mode: 0o600, flag: "wx" });
  await rename(temp, path);
}

async function readIfPresent(path: string): Promise<string | null> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") {
      return null;
    }
    throw error;
  }
}

/** Returns the identity stored by an earlier enrollment, or null when there is none (or only half of one). */
export async function readStoredIdentity(stateDir: string): Promise<StoredIdentity | null> {
  const tokenFile = join(stateDir, TOKEN_FILE_NAME);
  const [instanceId, token] = await Promise.all([readIfPresent(join(stateDir, INSTANCE_ID_FILE_NAME)), readIfPresent(tokenFile)]);
  if (instanceId === null || token === null || token === "" || !instanceIdSchema.safeParse(instanceId).success) {
    return null;
  }
  return { instanceId, tokenFile };
}

/** Stores a fresh identity: the token first, so a crash in between leaves no id without its token. */
export async function storeIdentity(stateDir: string, instanceId: string, token: string): Promise<StoredIdentity> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const tokenFile = join(stateDir, TOKEN_FILE_NAME);
  await writePrivate(tokenFile, `${token}\n`);
  await writePrivate(join(stateDir, INSTANCE_ID_FILE_NAME), `${instanceId}\n`);
  return { instanceId, tokenFile };
}
