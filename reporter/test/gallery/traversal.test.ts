import { readFile, stat, symlink } from "node:fs/promises";
import { join } from "node:path";

import { ComfyCarryError } from "@comfycarry/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { GalleryFeature } from "../../src/gallery/feature.js";
import { checkRelativePath } from "../../src/gallery/paths.js";
import { makeGalleryDirs, pngBytes, serveRoutes, startTestGallery, writeAt } from "./helpers.js";
import type { GalleryDirs } from "./helpers.js";

// Every path argument of the gallery, in commands and HTTP routes, must stay inside the
// output or input folder. `outside/secret.txt` sits next to ComfyUI and must never be read,
// and `outside/keep.png` must survive every delete.

const TRAVERSALS = [
  "../../outside/secret.txt",
  "../outside/secret.txt",
  "sub/../../../outside/secret.txt",
  "/etc/passwd",
  "%2e%2e/%2e%2e/outside/secret.txt",
  "%2E%2E/outside/secret.txt",
  "%252e%252e/%252e%252e/outside/secret.txt",
  "..%2f..%2foutside%2fsecret.txt",
  "\uff0e\uff0e/\uff0e\uff0e/outside/secret.txt",
  "\u2025/outside/secret.txt",
  "..\uff0f..\uff0foutside\uff0fsecret.txt",
  "..\\..\\outside\\secret.txt",
  "./a.png",
  "sub//a.png",
  "a.png\u0000.txt",
];

let dirs: GalleryDirs;
let feature: GalleryFeature;

beforeAll(async () => {
  dirs = await makeGalleryDirs();
  await writeAt(join(dirs.outside, "secret.txt"), "do not read");
  await writeAt(join(dirs.outside, "keep.png"), await pngBytes(1));
  await writeAt(join(dirs.output, "a.png"), await pngBytes(2));
  await symlink(join(dirs.outside, "keep.png"), join(dirs.output, "link-out.png"));
  await symlink(dirs.outside, join(dirs.output, "dir-out"));
  feature = await startTestGallery(dirs);
});

afterAll(async () => {
  await dirs.cleanup();
});

async function rejectionOf(work: Promise<unknown>): Promise<ComfyCarryError> {
  const error: unknown = await work.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ComfyCarryError)) {
    throw new Error(`expected a ComfyCarryError, got ${String(error)}`);
  }
  return error;
}

describe("gallery path checks", () => {
  it.each(TRAVERSALS)("rejects %j in text", (path) => {
    expect(() => checkRelativePath(path)).toThrow(ComfyCarryError);
  });

  it.each(TRAVERSALS.filter((path) => !path.includes("\u0000")))("metadata rejects %j", async (path) => {
    const error = await rejectionOf(feature.gallery.metadata({ root: "output", path }));
    expect(error.code).toBe("invalid_arguments");
  });

  it.each(["link-out.png", "dir-out/keep.png", "dir-out/secret.txt"])("rejects symlink escape %s", async (path) => {
    const read = await rejectionOf(feature.gallery.read({ root: "output", path, offset: 0, length: 100 }));
    const thumbnail = await rejectionOf(feature.gallery.thumbnail({ root: "output", path }));
    expect(read.code).toBe("invalid_arguments");
    expect(thumbnail.code).toBe("invalid_arguments");
  });

  it("delete leaves files outside alone", async () => {
    const result = await feature.gallery.delete({ root: "output", paths: [...TRAVERSALS.filter((path) => !path.includes("\u0000")), "link-out.png", "dir-out/keep.png"] });
    expect(result.deleted).toEqual([]);
    expect((await stat(join(dirs.outside, "keep.png"))).isFile()).toBe(true);
    expect(await readFile(join(dirs.outside, "secret.txt"), "utf8")).toBe("do not read");
  });

  it("listing skips symlinks", async () => {
    const page = await feature.gallery.list({ root: "output" });
    expect(page.items.map((item) => item.path)).toEqual(["a.png"]);
  });

  it("serves a plain file", async () => {
    const server = await serveRoutes(feature);
    try {
      const response = await fetch(`${server.url}/__cc/gallery/file?root=output&path=a.png`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("image/png");
    } finally {
      await server.close();
    }
  });

  it("HTTP routes reject escapes", async () => {
    const server = await serveRoutes(feature);
    const queries = [
      ...TRAVERSALS.map((path) => `root=output&path=${encodeURIComponent(path)}`),
      "root=output&path=../../outside/secret.txt",
      "root=output&path=%252e%252e%252f%252e%252e%252foutside%252fsecret.txt",
      "root=output&path=link-out.png",
      "root=output&path=dir-out/secret.txt",
      "root=../outside&path=secret.txt",
    ];
    try {
      for (const query of queries) {
        const file = await fetch(`${server.url}/__cc/gallery/file?${query}`);
        const body = await file.text();
        expect.soft(file.status, query).toBeGreaterThanOrEqual(400);
        expect.soft(body, query).not.toContain("do not read");
        const zip = await fetch(`${server.url}/__cc/gallery/zip?${query}`);
        expect.soft(zip.status, query).toBeGreaterThanOrEqual(400);
        expect.soft(await zip.text(), query).not.toContain("do not read");
      }
      const raw = await fetch(`${server.url}/__cc/gallery/../../outside/secret.txt`);
      expect(await raw.text()).not.toContain("do not read");
    } finally {
      await server.close();
    }
  });
});
