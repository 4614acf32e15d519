import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";

import { afterEach, describe, expect, it } from "vitest";

import { logQuerySchema } from "@comfycarry/shared";
import type { LogPage } from "@comfycarry/shared";

import { LOG_FILES_KEPT, openLogFiles } from "../../src/log/files.js";
import { createRootLogger } from "../../src/log/logger.js";
import { queryLogs } from "../../src/log/query.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Creates a logger that writes to rotating files in a fresh folder and discards stdout. */
async function fileLogger(size?: string) {
  const dir = await mkdtemp(join(tmpdir(), "comfycarry-logs-"));
  dirs.push(dir);
  const files = await openLogFiles(dir, size);
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  const log = createRootLogger({ level: "debug", destination: quiet, files });
  return { dir, log };
}

async function query(dir: string, args: Record<string, unknown> = {}): Promise<LogPage> {
  return queryLogs(dir, logQuerySchema.parse(args));
}

describe("reporter log files", () => {
  it("returns lines newest first", async () => {
    const { dir, log } = await fileLogger();
    log.info("first");
    log.info("second");
    let page: LogPage = { entries: [], components: [], more: false };
    await waitForPage(async () => (page = await query(dir)).entries.length === 2);
    expect(page.entries.map((entry) => entry.msg)).toEqual(["second", "first"]);
  });

  it("filters by component, level and text", async () => {
    const { dir, log } = await fileLogger();
    log.child({ component: "sync" }).warn({ ruleId: "outputs" }, "retrying the upload");
    log.child({ component: "sync" }).debug("scan done");
    log.child({ component: "edge-link" }).warn("edge socket closed");
    await waitForPage(async () => (await query(dir)).entries.length === 3);

    const page = await query(dir, { component: "sync", level: "warn", search: "OUTPUTS" });
    expect(page.entries.map((entry) => entry.msg)).toEqual(["retrying the upload"]);
    expect(page.entries[0]?.fields).toContain('"ruleId":"outputs"');
    expect(page.components).toEqual(["edge-link", "sync"]);
  });

  it("pages back with before and more", async () => {
    const { dir, log } = await fileLogger();
    for (let i = 0; i < 5; i++) {
      log.info({ i }, `line ${i}`);
    }
    await waitForPage(async () => (await query(dir)).entries.length === 5);

    const first = await query(dir, { limit: 2 });
    expect(first.more).toBe(true);
    expect(first.entries.map((entry) => entry.msg)).toEqual(["line 4", "line 3"]);
  });

  it("never writes a token", async () => {
    const { dir, log } = await fileLogger();
    log.info({ token: "tok_secret_value_123" }, "configuration loaded");
    await waitForPage(async () => (await query(dir)).entries.length === 1);
    expect((await query(dir, { search: "tok_secret" })).entries).toEqual([]);
  });

  it("rolls over and keeps a bounded number of files", async () => {
    const { dir, log } = await fileLogger("1k");
    // pino-roll checks the size after each write to disk, so the lines go out in batches.
    for (let batch = 0; batch < 10; batch++) {
      for (let i = 0; i < 20; i++) {
        log.info({ i: batch * 20 + i, padding: "x".repeat(60) }, "filler line");
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await waitForPage(async () => (await query(dir, { search: '"i":199' })).entries.length === 1);

    const files = (await readdir(dir)).filter((name) => name.endsWith(".log"));
    expect(files.length).toBeGreaterThan(1);
    expect(files.length).toBeLessThanOrEqual(LOG_FILES_KEPT + 1);
  });

  it("finds nothing in a missing folder", async () => {
    expect((await query(join(tmpdir(), "comfycarry-no-such-logs"))).entries).toEqual([]);
  });
});

async function waitForPage(check: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > 10_000) {
      throw new Error("log lines did not reach the files within 10 s");
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
