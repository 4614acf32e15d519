import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startRcloneRemotes } from "../../../tools/rclone-remotes/src/remotes.js";
import type { RcloneRemotes } from "../../../tools/rclone-remotes/src/remotes.js";
import type { RuleStatus, TransferProgress } from "../../src/sync/index.js";
import { hashTree, startEngine, waitFor } from "./helpers.js";
import type { EngineFixture } from "./helpers.js";

let remotes: RcloneRemotes;
let fixture: EngineFixture;
const statuses: RuleStatus[] = [];
const progress: TransferProgress[] = [];

beforeAll(async () => {
  remotes = await startRcloneRemotes();
  // A bandwidth limit stretches the transfer so the server can be stopped in the middle.
  fixture = await startEngine(
    remotes,
    { extraArgs: ["--bwlimit", "400k"], stallMs: 3_000 },
    { onRuleStatus: (status) => statuses.push(status), onJobProgress: (job) => progress.push(job.progress) },
  );
}, 60_000);

afterAll(async () => {
  await fixture.close();
  await remotes.close();
});

describe("remote going offline", () => {
  it(
    "retries with backoff and completes after the server returns",
    async () => {
      const source = join(fixture.workspace, "big");
      await mkdir(source, { recursive: true });
      for (let i = 0; i < 12; i += 1) {
        await writeFile(join(source, `part ${i} 部分.bin`), randomBytes(128 * 1024));
      }
      const rule = await fixture.engine.createRule({ name: "big push", local_path: "big", remote: "wd", remote_path: "offline/big", direction: "push" });

      const finished = fixture.engine.runRule(rule.id);
      await waitFor("bytes moving", () => progress.some((entry) => entry.bytes > 0));
      await remotes.webdav.stop();

      await waitFor("the rule marked offline", () => statuses.some((status) => status.rule_id === rule.id && status.status === "remote_offline"));
      const offline = statuses.find((status) => status.status === "remote_offline");
      expect(offline?.next_attempt_at).not.toBeNull();
      expect(["unreachable", "stalled"]).toContain(offline?.last_error?.code);

      // Let at least one more attempt fail against the stopped server, then bring it back.
      await waitFor("a second failed attempt", () => statuses.some((status) => status.status === "remote_offline" && status.attempt >= 2), 10_000);
      await remotes.webdav.start();

      await finished;
      await waitFor("a successful retry", () => fixture.engine.jobs({ ruleId: rule.id }).some((job) => job.status === "success"), 30_000);
      const jobs = fixture.engine.jobs({ ruleId: rule.id });
      expect(jobs.some((job) => job.reason === "retry" && job.status === "success")).toBe(true);
      expect(await hashTree(join(remotes.webdav.root, "offline", "big"))).toEqual(await hashTree(source));
      expect(fixture.engine.ruleStatuses().find((status) => status.rule_id === rule.id)?.status).toBe("idle");
    },
    60_000,
  );
});
