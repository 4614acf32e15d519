/** A private PM2 daemon per test file, killed afterwards. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { execa } from "execa";

const PM2_CLI = fileURLToPath(new URL("../../../../node_modules/pm2/bin/pm2", import.meta.url));

export interface Pm2Home {
  path: string;
  /** Runs the PM2 CLI against this daemon. */
  cli(args: string[]): Promise<string>;
  kill(): Promise<void>;
}

export async function createPm2Home(): Promise<Pm2Home> {
  const path = await mkdtemp(join(tmpdir(), "pm2-cc-"));
  const cli = async (args: string[]): Promise<string> => (await execa(process.execPath, [PM2_CLI, ...args], { env: { PM2_HOME: path } })).stdout;
  return {
    path,
    cli,
    async kill() {
      await cli(["kill"]).catch(() => undefined);
      await rm(path, { recursive: true, force: true });
    },
  };
}
