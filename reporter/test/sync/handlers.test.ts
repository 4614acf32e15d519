import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startRcloneRemotes } from "../../../tools/rclone-remotes/src/remotes.js";
import type { RcloneRemotes } from "../../../tools/rclone-remotes/src/remotes.js";
import { startService } from "./service-helpers.js";
import type { ServiceFixture } from "./service-helpers.js";
import { waitFor } from "./helpers.js";

let remotes: RcloneRemotes;
let fixture: ServiceFixture;

beforeAll(async () => {
  remotes = await startRcloneRemotes();
  const text = remotes.config;
  fixture = await startService({ initialConf: { source: "RCLONE_CONF_BASE64", read: () => Promise.resolve(text) } });
}, 60_000);

afterAll(async () => {
  await fixture.close();
  await remotes.close();
});

/** A local-disk remote section for pasting; the marker shows whether the text leaked into logs. */
function extraRemote(name: string, marker: string): string {
  return `[${name}]\ntype = alias\nremote = ${join(remotes.dir, name)}\ndescription = ${marker}\n`;
}

describe("sync commands", () => {
  it("report the running engine", async () => {
    const status = await fixture.run("sync.status", {});
    expect(status.engine.state).toBe("running");
    expect(status.engine.rclone_version).toMatch(/^v1\./);
    expect(status.engine.config_present).toBe(true);
  });

  it("list remotes from the seeded rclone.conf", async () => {
    const { remotes: listed } = await fixture.run("sync.remote.list", {});
    expect(listed).toEqual([
      { name: "disk", type: "alias" },
      { name: "sf", type: "sftp" },
      { name: "wd", type: "webdav" },
    ]);
  });

  it("test a working remote", async () => {
    const result = await fixture.run("sync.remote.test", { remote: "disk" });
    expect(result.ok).toBe(true);
    expect(result.failure).toBeNull();
  });

  it("explain an unknown remote", async () => {
    const result = await fixture.run("sync.remote.test", { remote: "nowhere" });
    expect(result.failure?.code).toBe("unknown_remote");
    expect(result.failure?.hint).toContain("rclone.conf");
  });
});

describe("sync.config.set", () => {
  it("merges a pasted remote and keeps the others", async () => {
    const result = await fixture.run("sync.config.set", { rclone_conf: extraRemote("extra", "paste-marker-7f3a") });
    expect(result.remotes.map((remote) => remote.name)).toEqual(["disk", "extra", "sf", "wd"]);
  });

  it("sends the merged file to the edge", () => {
    const last = fixture.channel.sent.at(-1);
    expect(last?.content).toContain("[extra]");
    expect(last?.content).toContain("[disk]");
  });

  it("keeps the pasted text out of the logs", () => {
    expect(fixture.logText()).not.toContain("paste-marker-7f3a");
  });

  it("rejects text without a remote", async () => {
    const run = fixture.run("sync.config.set", { rclone_conf: "just some words" });
    await expect(run).rejects.toMatchObject({ code: "invalid_arguments", params: { field: "rclone_conf", reason: "no_remote" } });
  });

  it("rejects an encrypted config", async () => {
    const run = fixture.run("sync.config.set", { rclone_conf: "# Encrypted rclone configuration File\n\nRCLONE_ENCRYPT_V0:\nabc" });
    await expect(run).rejects.toMatchObject({ params: { field: "rclone_conf", reason: "encrypted" } });
  });

  it("puts the old file back when rclone cannot read the new one", async () => {
    const before = await readFile(fixture.service.confPath, "utf8");
    const unreadable = "[broken]\ntype = alias\nremote = /tmp\nunparsable-line-5c1e\n";
    const run = fixture.run("sync.config.set", { rclone_conf: unreadable, mode: "replace" });
    await expect(run).rejects.toMatchObject({ params: { field: "rclone_conf", reason: "unreadable" } });
    expect(await readFile(fixture.service.confPath, "utf8")).toBe(before);
  });

  it("keeps rclone's parse error out of the logs", () => {
    expect(fixture.logText()).not.toContain("unparsable-line-5c1e");
  });
});

describe("sync rules", () => {
  let ruleId = "";
  const output = (): string => join(fixture.workspace, "ComfyUI", "output");
  const onRemote = (name: string): string => join(remotes.disk.root, "comfycarry", "output", name);

  it("create the outputs preset as a watch push rule", async () => {
    const { rule } = await fixture.run("sync.rule.create", { preset: "outputs", options: { remote: "disk" } });
    ruleId = rule.id;
    expect(rule.trigger).toEqual({ type: "watch" });
    expect(rule.direction).toBe("push");
  });

  it("upload a new output by itself", async () => {
    await mkdir(output(), { recursive: true });
    await writeFile(join(output(), "ComfyCarry_00001_.png"), "pixels");
    await waitFor("the output on the remote", () => existsSync(onRemote("ComfyCarry_00001_.png")), 20_000);
    expect(await readFile(onRemote("ComfyCarry_00001_.png"), "utf8")).toBe("pixels");
  });

  it("emit job events that match the protocol", async () => {
    await waitFor("a finished job event", () => fixture.events.some((event) => event.kind === "sync.job.finished"));
    expect(fixture.badEvents).toEqual([]);
    expect(fixture.events.some((event) => event.kind === "sync.job.started" && event.rule_name === "Outputs to remote")).toBe(true);
  });

  it("report all synced in the overview section", async () => {
    await waitFor("a safe overview", () => {
      const section = fixture.service.section();
      return section.available && section.safe === true;
    });
    const section = fixture.service.section();
    expect(section.available && section.all_synced_at).toMatch(/Z$/);
    expect(section.available && section.unsynced_files).toBe(0);
  });

  it("answer safe to destroy after a check", async () => {
    const safety = await fixture.run("sync.safe_to_destroy", { verify: true });
    expect(safety.safe).toBe(true);
    expect(safety.rules[0]?.checked_at).not.toBeNull();
  });

  it("keep unsent fields when a patch disables a rule", async () => {
    const { rule } = await fixture.run("sync.rule.update", { id: ruleId, patch: { enabled: false } });
    expect(rule.enabled).toBe(false);
    expect(rule.trigger).toEqual({ type: "watch" });
  });

  it("name the field of an invalid edit", async () => {
    const run = fixture.run("sync.rule.update", { id: ruleId, patch: { remote_path: "/" } });
    await expect(run).rejects.toMatchObject({ code: "invalid_arguments", params: { field: "remote_path" } });
  });

  it("run a rule now and return its job", async () => {
    await fixture.run("sync.rule.update", { id: ruleId, patch: { enabled: true } });
    const result = await fixture.run("sync.rule.run", { id: ruleId, wait: true });
    expect(result.job?.status).toBe("success");
  });

  it("list jobs of one rule", async () => {
    const { jobs } = await fixture.run("sync.jobs", { rule_id: ruleId, status: "success" });
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs.every((job) => job.rule_id === ruleId)).toBe(true);
  });

  it("refuse two-way on a remote without modification times", async () => {
    const rule = { name: "both", local_path: "both", remote: "wd", remote_path: "both", direction: "two_way" };
    await expect(fixture.run("sync.rule.create", { rule })).rejects.toMatchObject({ params: { field: "direction", reason: "modtime_unsupported" } });
  });

  it("require confirmation for a mirror rule", async () => {
    const rule = { name: "mirror", local_path: "m", remote: "disk", remote_path: "m", direction: "push", method: "mirror" };
    await expect(fixture.run("sync.rule.create", { rule })).rejects.toMatchObject({ params: { field: "mirror_confirmed" } });
  });

  it("start every push rule with sync now", async () => {
    const result = await fixture.run("sync.now", {});
    expect(result.rule_ids).toEqual([ruleId]);
  });

  it("refuse to remove a remote in use", async () => {
    await expect(fixture.run("sync.remote.remove", { remote: "disk" })).rejects.toMatchObject({ params: { reason: "in_use" } });
  });

  it("remove an unused remote and send the rewritten file", async () => {
    const sentBefore = fixture.channel.sent.length;
    const { remotes: left } = await fixture.run("sync.remote.remove", { remote: "extra" });
    expect(left.map((remote) => remote.name)).not.toContain("extra");
    await waitFor("the rewritten rclone.conf at the edge", () => fixture.channel.sent.length > sentBefore);
    expect(fixture.channel.sent.at(-1)?.content).not.toContain("[extra]");
  });

  it("delete a rule", async () => {
    const result = await fixture.run("sync.rule.delete", { id: ruleId });
    expect(result.deleted).toBe(true);
    expect((await fixture.run("sync.rule.list", {})).rules).toEqual([]);
  });
});

describe("rclone.conf delivery", () => {
  it("waits for an edge that stores secret updates", async () => {
    fixture.channel.supported = false;
    const sentBefore = fixture.channel.sent.length;
    await fixture.run("sync.config.set", { rclone_conf: extraRemote("later", "later") });
    expect(await fixture.service.upload.pending()).toBe(true);
    expect(fixture.channel.sent.length).toBe(sentBefore);

    fixture.channel.supported = true;
    await fixture.service.onEdgeWelcome();
    expect(await fixture.service.upload.pending()).toBe(false);
    expect(fixture.channel.sent.at(-1)?.content).toContain("[later]");
  });
});
