import { join } from "node:path";

import { execa } from "execa";
import { describe, expect, it } from "vitest";

import { paths } from "../src/index.js";

// The deploy script in dry-run mode: it must plan the right secrets without running wrangler,
// so nothing here talks to Cloudflare.

const script = join(paths.repoRoot, "edge/scripts/deploy.mjs");

async function dryRun(...flags: string[]): Promise<string[]> {
  const result = await execa(process.execPath, [script, "--dry-run", ...flags], { cwd: paths.repoRoot, env: { WRANGLER_SEND_METRICS: "false" } });
  return result.stdout.split("\n");
}

describe("the deploy script", () => {
  it("runs no wrangler command in a dry run", async () => {
    const commands = (await dryRun()).filter((line) => line.includes("wrangler "));

    expect(commands.every((line) => line.startsWith("dry run: "))).toBe(true);
  });

  it("generates both keys and a setup code on a first deploy", async () => {
    const puts = (await dryRun()).filter((line) => line.includes("secret put")).map((line) => line.split(" ")[5]);

    expect(puts).toEqual(["SESSION_SECRET", "SECRETS_KEY", "SETUP_CODE"]);
  });

  it("prints a typeable setup code", async () => {
    const line = (await dryRun()).find((entry) => entry.includes("setup code")) ?? "";

    expect(line).toMatch(/: [A-Z2-9]{4}(-[A-Z2-9]{4}){4}$/);
  });

  it("sets and prints a new password on --reset-password", async () => {
    const lines = await dryRun("--reset-password");

    expect(lines.some((line) => line.includes("secret put DASHBOARD_PASSWORD"))).toBe(true);
    expect(lines.find((line) => line.includes("new owner password"))).toMatch(/: [A-Za-z0-9_-]{20}$/);
  });

  it("refuses an unknown option", async () => {
    const result = await execa(process.execPath, [script, "--dry-run", "--wipe"], { reject: false });

    expect(result.exitCode).toBe(2);
  });
});
