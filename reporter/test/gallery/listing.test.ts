import { utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import sharp from "sharp";

import type { GalleryFeature } from "../../src/gallery/feature.js";
import { makeGalleryDirs, pngBytes, startTestGallery, writeAt } from "./helpers.js";
import type { GalleryDirs } from "./helpers.js";

// A folder of 2,000 generated images: the first page is small and newest first, and each
// thumbnail is generated once, then served from the disk cache, also after a restart.

const COUNT = 2000;
const BASE_MS = Date.UTC(2026, 10, 1);

let dirs: GalleryDirs;
let feature: GalleryFeature;

beforeAll(async () => {
  dirs = await makeGalleryDirs();
  const png = await pngBytes(3, 512);
  for (let index = 0; index < COUNT; index += 1) {
    const name = `ComfyUI_${String(index).padStart(5, "0")}_.png`;
    const path = index % 2 === 0 ? join(dirs.output, name) : join(dirs.output, "day2", name);
    await writeAt(path, png);
    // One file a minute, so file N is newer than file N-1.
    const when = new Date(BASE_MS + index * 60_000);
    await utimes(path, when, when);
  }
  await writeFile(join(dirs.output, "notes.txt"), "not a picture");
  await utimes(join(dirs.output, "notes.txt"), new Date(BASE_MS - 1000), new Date(BASE_MS - 1000));
  await writeAt(join(dirs.output, "clip.mp4"), Buffer.from("not really a video"));
  await utimes(join(dirs.output, "clip.mp4"), new Date(BASE_MS - 2000), new Date(BASE_MS - 2000));
  feature = await startTestGallery(dirs);
}, 120_000);

afterAll(async () => {
  await dirs.cleanup();
});

describe("gallery listing", () => {
  it("first page is newest first", async () => {
    const page = await feature.gallery.list({ root: "output", limit: 60 });
    expect(page.items).toHaveLength(60);
    expect(page.total).toBe(COUNT + 2);
    expect(page.items[0]?.name).toBe("ComfyUI_01999_.png");
    expect(page.items[0]?.path).toBe("day2/ComfyUI_01999_.png");
    expect(page.items[1]?.name).toBe("ComfyUI_01998_.png");
    expect(page.next_cursor).toBe("60");
  });

  it("cursor continues where the page ended", async () => {
    const page = await feature.gallery.list({ root: "output", limit: 60, cursor: "60" });
    expect(page.items[0]?.name).toBe("ComfyUI_01939_.png");
  });

  it("last page has no cursor", async () => {
    const page = await feature.gallery.list({ root: "output", limit: 200, cursor: String(COUNT) });
    expect(page.items.map((item) => item.name)).toEqual(["notes.txt", "clip.mp4"]);
    expect(page.next_cursor).toBeNull();
  });

  it("searches by file name", async () => {
    const page = await feature.gallery.list({ root: "output", query: "0123" });
    expect(page.items.map((item) => item.name)).toEqual(["ComfyUI_01239_.png", "ComfyUI_01238_.png", "ComfyUI_01237_.png", "ComfyUI_01236_.png", "ComfyUI_01235_.png", "ComfyUI_01234_.png", "ComfyUI_01233_.png", "ComfyUI_01232_.png", "ComfyUI_01231_.png", "ComfyUI_01230_.png", "ComfyUI_00123_.png"]);
  });

  it("filters by kind", async () => {
    const videos = await feature.gallery.list({ root: "output", kind: "video" });
    const other = await feature.gallery.list({ root: "output", kind: "other" });
    expect(videos.items.map((item) => item.name)).toEqual(["clip.mp4"]);
    expect(other.items.map((item) => item.name)).toEqual(["notes.txt"]);
  });

  it("reports unknown sync without an engine", async () => {
    const page = await feature.gallery.list({ root: "output", limit: 1 });
    expect(page.items[0]?.sync).toBe("unknown");
  });
});

describe("gallery thumbnails", () => {
  it("makes small WebP images", async () => {
    const result = await feature.gallery.thumbnail({ root: "output", path: "day2/ComfyUI_01999_.png" });
    const bytes = Buffer.from(result.data_base64 ?? "", "base64");
    const info = await sharp(bytes).metadata();
    expect(info.format).toBe("webp");
    expect(info.width).toBe(256);
    expect(bytes.length).toBeLessThan(20_000);
  });

  it("generates each thumbnail once", async () => {
    const page = await feature.gallery.list({ root: "output", limit: 60 });
    const before = feature.gallery.thumbnails.generated;
    // Twice at the same time and once more later: the same 60 files.
    await Promise.all([...page.items, ...page.items].map((item) => feature.gallery.thumbnail({ root: "output", path: item.path })));
    await Promise.all(page.items.map((item) => feature.gallery.thumbnail({ root: "output", path: item.path })));
    // The first thumbnail test already made the newest file's thumbnail.
    expect(feature.gallery.thumbnails.generated - before).toBe(59);
  });

  it("reuses the disk cache after a restart", async () => {
    const restarted = await startTestGallery(dirs);
    const page = await restarted.gallery.list({ root: "output", limit: 60 });
    const results = await Promise.all(page.items.map((item) => restarted.gallery.thumbnail({ root: "output", path: item.path })));
    expect(results.every((result) => result.data_base64 !== null)).toBe(true);
    expect(restarted.gallery.thumbnails.generated).toBe(0);
  });

  it("makes a new thumbnail for a changed file", async () => {
    const path = join(dirs.output, "day2", "ComfyUI_01999_.png");
    await writeAt(path, await pngBytes(99, 300));
    const before = feature.gallery.thumbnails.generated;
    await feature.gallery.thumbnail({ root: "output", path: "day2/ComfyUI_01999_.png" });
    expect(feature.gallery.thumbnails.generated - before).toBe(1);
  });

  it("returns no picture for other files", async () => {
    const result = await feature.gallery.thumbnail({ root: "output", path: "notes.txt" });
    expect(result.data_base64).toBeNull();
  });
});
