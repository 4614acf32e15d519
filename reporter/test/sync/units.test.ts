import { mkdir, mkdtemp, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { bisyncArgs, filterArgs, transferArgs } from "../../src/sync/jobs/rclone-args.js";
import type { ArgsContext } from "../../src/sync/jobs/rclone-args.js";
import { classifyFailureCode } from "../../src/sync/rclone/classify.js";
import { parseRcloneLine } from "../../src/sync/rclone/json-log.js";
import { sanitizeRcloneText } from "../../src/sync/rclone/sanitize.js";
import { capabilitiesFor, parseRcloneVersion } from "../../src/sync/rclone/version.js";
import { parseListRemotes } from "../../src/sync/remotes/remotes.js";
import { resolveLocalPath } from "../../src/sync/rules/local-path.js";
import { PRESET_NAMES, presetRule } from "../../src/sync/rules/presets.js";
import { ruleInputSchema, ruleSchema } from "../../src/sync/rules/schema.js";
import type { SyncRule } from "../../src/sync/rules/schema.js";
import { RuleStore } from "../../src/sync/rules/store.js";

const V160 = capabilitiesFor({ major: 1, minor: 60, patch: 1, text: "v1.60.1-DEV" });
const V169 = capabilitiesFor({ major: 1, minor: 69, patch: 0, text: "v1.69.0" });

function rule(overrides: Partial<SyncRule> = {}): SyncRule {
  return ruleSchema.parse({
    id: "r1",
    name: "r",
    local_path: "out",
    remote: "wd",
    remote_path: "base/out",
    direction: "push",
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    ...overrides,
  });
}

function context(capabilities = V160): ArgsContext {
  return {
    localPath: "/ws/out",
    capabilities,
    bisyncWorkdir: "/state/bisync/r1",
    localBackupRoot: "/state/backups",
    startedAt: new Date("2026-12-04T20:49:13Z"),
    extraArgs: [],
  };
}

describe("rclone version", () => {
  it("parses Debian's 1.60 banner", () => {
    expect(parseRcloneVersion("rclone v1.60.1-DEV\n- os/version: debian 12")).toMatchObject({ major: 1, minor: 60, patch: 1 });
  });

  it("rejects output that is not rclone's", () => {
    expect(parseRcloneVersion("command not found")).toBeNull();
  });

  it("adds recovery flags to bisync from v1.66 only", () => {
    expect(bisyncArgs(rule({ direction: "two_way" }), context(V160))).not.toContain("--recover");
    expect(bisyncArgs(rule({ direction: "two_way" }), context(V169))).toContain("--recover");
  });
});

describe("rclone json log", () => {
  it("reads a stats line whatever its level", () => {
    const line = parseRcloneLine('{"level":"notice","msg":"x","stats":{"bytes":5,"totalBytes":10,"transferring":[{"name":"a","bytes":5,"size":10}]}}');
    expect(line.kind === "stats" ? line.stats.transferring[0]?.bytes : null).toBe(5);
  });

  it("keeps plain fatal lines as text", () => {
    expect(parseRcloneLine('2026/12/04 Failed to create file system for "x:": didn\'t find section in config file').kind).toBe("text");
  });

  it("removes passwords from URLs", () => {
    expect(sanitizeRcloneText("Propfind http://carry:hunter2@127.0.0.1/x failed")).not.toContain("hunter2");
  });

  it("removes tokens from JSON", () => {
    expect(sanitizeRcloneText('{"access_token":"ya29.abc","expiry":"x"}')).not.toContain("ya29");
  });
});

describe("failure classification", () => {
  it.each([
    ['Failed to create file system for "x:": didn\'t find section in config file', "unknown_remote"],
    ["couldn't fetch token: invalid_grant: maybe token expired?", "token_expired"],
    ["couldn't list files: Unauthorized: 401 Unauthorized", "auth_failed"],
    ["dial tcp 127.0.0.1:1: connect: connection refused", "unreachable"],
    ["read tcp: i/o timeout", "timed_out"],
    ["Got fatal error on delete: --max-delete threshold reached", "delete_limit"],
    ["Bisync aborted. Must run --resync to recover.", "bisync_needs_resync"],
  ])("maps %s", (text, code) => {
    expect(classifyFailureCode([text], 1)).toBe(code);
  });

  it("falls back to the exit code for a missing directory", () => {
    expect(classifyFailureCode(["something odd"], 3)).toBe("not_found");
  });
});

describe("rclone arguments", () => {
  it("puts excludes before includes and closes with - **", () => {
    expect(filterArgs(rule({ filters: { include: ["*.png"], exclude: ["tmp/**"] } }))).toEqual(["--filter", "- tmp/**", "--filter", "+ *.png", "--filter", "- **"]);
  });

  it("gives a mirror push a dated backup dir beside the remote path", () => {
    const args = transferArgs(rule({ method: "mirror", mirror_confirmed: true }), context());
    expect(args[args.indexOf("--backup-dir") + 1]).toBe("wd:base/.comfycarry-backups/r1/2026-12-04/204913");
  });

  it("never deletes during a watch batch of a mirror rule", () => {
    expect(transferArgs(rule({ method: "mirror", mirror_confirmed: true }), context(), { filesFrom: "/tmp/list" })[0]).toBe("copy");
  });

  it("parses listremotes output", () => {
    expect(parseListRemotes("disk: alias\nmy drive:   drive\n")).toEqual([
      { name: "disk", type: "alias" },
      { name: "my drive", type: "drive" },
    ]);
  });
});

describe("rule schema", () => {
  const base = { name: "n", local_path: "out", remote: "wd", remote_path: "x", direction: "push" };

  it("rejects a remote's root", () => {
    const result = ruleInputSchema.safeParse({ ...base, remote_path: "/" });
    expect(result.error?.issues[0]?.path).toEqual(["remote_path"]);
  });

  it("rejects watch on a pull rule", () => {
    const result = ruleInputSchema.safeParse({ ...base, direction: "pull", trigger: { type: "watch" } });
    expect(result.error?.issues[0]?.path).toEqual(["trigger"]);
  });

  it("rejects a filter that looks like a flag", () => {
    const result = ruleInputSchema.safeParse({ ...base, filters: { include: ["--config=/etc/x"] } });
    expect(result.error?.issues[0]?.path).toEqual(["filters", "include", 0]);
  });

  it("makes every preset a valid rule", () => {
    for (const name of PRESET_NAMES) {
      expect(ruleInputSchema.safeParse(presetRule(name, { remote: "r2" })).success).toBe(true);
    }
  });
});

describe("local path", () => {
  it("rejects a symlink that leaves the workspace", async () => {
    const root = await mkdtemp(join(tmpdir(), "sync-path-"));
    await mkdir(join(root, "ws"));
    await mkdir(join(root, "outside"));
    await symlink(join(root, "outside"), join(root, "ws", "link"));
    await expect(resolveLocalPath(join(root, "ws"), "link/sub")).rejects.toThrow(/outside the workspace/);
  });

  it("rejects a dot-dot escape", async () => {
    const root = await mkdtemp(join(tmpdir(), "sync-path-"));
    await expect(resolveLocalPath(root, "../elsewhere")).rejects.toThrow(/outside the workspace/);
  });

  it("accepts a folder that does not exist yet", async () => {
    const root = await mkdtemp(join(tmpdir(), "sync-path-"));
    expect(await resolveLocalPath(root, "ComfyUI/output")).toMatch(/ComfyUI\/output$/);
  });
});

describe("rules file", () => {
  it("is written with mode 0600 and reloads", async () => {
    const path = join(await mkdtemp(join(tmpdir(), "sync-rules-")), "rules.json");
    const store = new RuleStore(path);
    await store.put(rule());
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const reloaded = new RuleStore(path);
    await reloaded.load();
    expect(reloaded.get("r1")?.remote_path).toBe("base/out");
  });

  it("names the field of a corrupt rule on load", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sync-rules-"));
    await writeFile(join(dir, "rules.json"), JSON.stringify({ version: 1, rules: [{ ...rule(), direction: "sideways" }] }));
    await expect(new RuleStore(join(dir, "rules.json")).load()).rejects.toThrow(/rules\.0\.direction/);
    expect(await readFile(join(dir, "rules.json"), "utf8")).toContain("sideways");
  });
});
