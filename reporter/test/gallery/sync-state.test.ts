import { utimes } from "node:fs/promises";
import { join } from "node:path";

import { ComfyCarryError } from "@comfycarry/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { GalleryFeature } from "../../src/gallery/feature.js";
import type { GallerySyncSource, PushCoverage } from "../../src/gallery/sync-source.js";
import { makeGalleryDirs, pngBytes, startTestGallery, writeAt } from "./helpers.js";
import type { GalleryDirs } from "./helpers.js";

// Whether each item is on the remote, from push-rule coverage and the last successful run,
// and "push now" starting only the rules that cover the selection.

const RUN_MS = Date.UTC(2026, 10, 20, 12);

let dirs: GalleryDirs;
let feature: GalleryFeature;
let coverage: PushCoverage[] | null = null;
const started: string[][] = [];

const source: GallerySyncSource = {
  coverage: () => Promise.resolve(coverage),
  run: (ruleIds) => {
    started.push(ruleIds);
  },
};

beforeAll(async () => {
  dirs = await makeGalleryDirs();
  const png = await pngBytes(8);
  for (const [path, when] of [
    ["old.png", RUN_MS - 60_000],
    ["new.png", RUN_MS + 60_000],
    ["private/secret.png", RUN_MS - 60_000],
  ] as const) {
    await writeAt(join(dirs.output, path), png);
    await utimes(join(dirs.output, path), new Date(when), new Date(when));
  }
  feature = await startTestGallery(dirs, source);
});

afterAll(async () => {
  await dirs.cleanup();
});

async function states(): Promise<Record<string, string>> {
  const page = await feature.gallery.list({ root: "output" });
  return Object.fromEntries(page.items.map((item) => [item.path, item.sync]));
}

describe("gallery sync state", () => {
  it("is unknown without the engine", async () => {
    coverage = null;
    expect(await states()).toEqual({ "new.png": "unknown", "old.png": "unknown", "private/secret.png": "unknown" });
  });

  it("follows the last successful run", async () => {
    coverage = [{ ruleId: "outputs", dir: feature.gallery.dirs.output.real, lastSuccessMs: RUN_MS }];
    expect(await states()).toEqual({ "new.png": "pending", "old.png": "synced", "private/secret.png": "synced" });
  });

  it("marks files no rule covers", async () => {
    coverage = [{ ruleId: "private-only", dir: join(feature.gallery.dirs.output.real, "private"), lastSuccessMs: null }];
    expect(await states()).toEqual({ "new.png": "not_covered", "old.png": "not_covered", "private/secret.png": "pending" });
  });

  it("pushes the covering rules", async () => {
    started.length = 0;
    const result = await feature.gallery.push({ root: "output", paths: ["private/secret.png", "old.png"] });
    expect(result).toEqual({ rule_ids: ["private-only"], uncovered: ["old.png"] });
    expect(started).toEqual([["private-only"]]);
  });

  it("push fails without the engine", async () => {
    coverage = null;
    const error: unknown = await feature.gallery.push({ root: "output", paths: ["old.png"] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ComfyCarryError);
    expect((error as ComfyCarryError).code).toBe("sync_failed");
  });
});
