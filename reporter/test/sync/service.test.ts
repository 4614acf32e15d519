import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { SYNC_FAILURE_CODES as WIRE_FAILURE_CODES, syncRuleSchema } from "@comfycarry/shared";

import { SYNC_FAILURE_CODES } from "../../src/sync/index.js";
import { presetRule } from "../../src/sync/rules/presets.js";
import { ruleSchema } from "../../src/sync/rules/schema.js";
import { checkPastedConf, mergeConf } from "../../src/sync/service/conf-merge.js";
import { seedRcloneConf } from "../../src/sync/service/conf-seed.js";
import { decodeConfBase64, syncSettings } from "../../src/sync/service/settings.js";
import { memoryLogger } from "./helpers.js";
import { startService } from "./service-helpers.js";
import type { ServiceFixture } from "./service-helpers.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sync-seed-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function service(settings: Parameters<typeof startService>[0]): Promise<ServiceFixture> {
  const fixture = await startService(settings);
  cleanups.push(() => fixture.close());
  return fixture;
}

const CONF = "[disk]\ntype = alias\nremote = /tmp/disk\n";

describe("sync without rclone", () => {
  it("marks the section as an error", async () => {
    const fixture = await service({ rcloneBinary: "/nonexistent/rclone" });
    const section = fixture.service.section();
    expect(section.available ? null : section.reason).toBe("error");
  });

  it("fails commands with engine_unavailable", async () => {
    const fixture = await service({ rcloneBinary: "/nonexistent/rclone" });
    await expect(fixture.run("sync.rule.list", {})).rejects.toMatchObject({ code: "sync_failed", params: { reason: "engine_unavailable" } });
  });

  it("still answers sync.status", async () => {
    const fixture = await service({ rcloneBinary: "/nonexistent/rclone" });
    const status = await fixture.run("sync.status", {});
    expect(status.engine.state).toBe("unavailable");
    expect(status.engine.detail).toContain("/nonexistent/rclone");
  });

  it("stays off with COMFYCARRY_SYNC=0", async () => {
    const fixture = await service({ enabled: false });
    expect(fixture.service.section()).toMatchObject({ available: false, reason: "not_configured" });
  });
});

describe("sync settings", () => {
  it("decode RCLONE_CONF_BASE64", () => {
    expect(decodeConfBase64(Buffer.from(CONF).toString("base64"))).toBe(CONF);
  });

  it("reject base64 without a remote and hide the value", () => {
    const value = Buffer.from("secret-words-9d2").toString("base64");
    expect(() => decodeConfBase64(value)).toThrow(/RCLONE_CONF_BASE64/);
    expect(() => decodeConfBase64(value)).not.toThrow(new RegExp(value));
  });

  it("reject a relative RCLONE_CONFIG_FILE", () => {
    expect(() => syncSettings({ RCLONE_CONFIG_FILE: "rclone.conf" })).toThrow(/absolute path/);
  });

  it("prefer RCLONE_CONF_BASE64 over the file", () => {
    const settings = syncSettings({ RCLONE_CONF_BASE64: Buffer.from(CONF).toString("base64"), RCLONE_CONFIG_FILE: "/x/rclone.conf" });
    expect(settings.initialConf?.source).toBe("RCLONE_CONF_BASE64");
  });
});

describe("rclone.conf seeding", () => {
  it("writes the environment's copy when none exists", async () => {
    const dir = await tempDir();
    const conf = join(dir, "rclone.conf");
    const result = await seedRcloneConf({ source: "RCLONE_CONF_BASE64", read: () => Promise.resolve(CONF) }, conf, join(dir, "seed"), memoryLogger().log);
    expect(result).toBe("written");
    expect(await readFile(conf, "utf8")).toBe(CONF);
  });

  it("keeps a rewrite after a restart with the same copy", async () => {
    const dir = await tempDir();
    const conf = join(dir, "rclone.conf");
    const initial = { source: "RCLONE_CONF_BASE64" as const, read: () => Promise.resolve(CONF) };
    await seedRcloneConf(initial, conf, join(dir, "seed"), memoryLogger().log);
    await writeFile(conf, `${CONF}token = refreshed\n`);

    expect(await seedRcloneConf(initial, conf, join(dir, "seed"), memoryLogger().log)).toBe("kept");
    expect(await readFile(conf, "utf8")).toContain("refreshed");
  });

  it("applies a changed environment copy", async () => {
    const dir = await tempDir();
    const conf = join(dir, "rclone.conf");
    await seedRcloneConf({ source: "RCLONE_CONF_BASE64", read: () => Promise.resolve(CONF) }, conf, join(dir, "seed"), memoryLogger().log);
    const changed = `${CONF}[other]\ntype = alias\nremote = /tmp\n`;
    await seedRcloneConf({ source: "RCLONE_CONF_BASE64", read: () => Promise.resolve(changed) }, conf, join(dir, "seed"), memoryLogger().log);
    expect(await readFile(conf, "utf8")).toBe(changed);
  });
});

describe("pasted rclone.conf", () => {
  it("replaces a same-named remote", () => {
    const merged = mergeConf(CONF, "[disk]\ntype = alias\nremote = /new\n");
    expect(merged).toBe("[disk]\ntype = alias\nremote = /new\n");
  });

  it("appends a new remote", () => {
    const merged = mergeConf(CONF, "[r2]\ntype = s3\nprovider = Cloudflare\n");
    expect(merged).toBe(`${CONF}\n[r2]\ntype = s3\nprovider = Cloudflare\n`);
  });

  it("keeps comments before the first remote", () => {
    expect(mergeConf(`# mine\n${CONF}`, "[r2]\ntype = s3\n")).toMatch(/^# mine\n+\[disk\]/);
  });

  it("requires a type on every remote", () => {
    expect(() => checkPastedConf("[r2]\nprovider = Cloudflare\n")).toThrow(/r2/);
  });
});

describe("wire shapes", () => {
  it("list the engine's failure codes", () => {
    expect([...WIRE_FAILURE_CODES]).toEqual([...SYNC_FAILURE_CODES]);
  });

  it("carry every preset rule", () => {
    for (const preset of ["outputs", "workflows", "user_settings", "node_snapshots", "models"] as const) {
      const stored = ruleSchema.parse({ ...presetRule(preset, { remote: "disk" }), id: "x", created_at: "2026-01-01T00:00:00.000Z", updated_at: "2026-01-01T00:00:00.000Z" });
      expect(syncRuleSchema.safeParse(stored).success).toBe(true);
    }
  });
});
