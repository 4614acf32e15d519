import { execFile } from "node:child_process";
import { readFile, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

import { ComfyCarryError, GALLERY_READ_CHUNK_BYTES, GALLERY_RELAY_MAX_BYTES } from "@comfycarry/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { GalleryFeature } from "../../src/gallery/feature.js";
import { makeGalleryDirs, pngBytes, serveRoutes, startTestGallery, writeAt } from "./helpers.js";
import type { GalleryDirs } from "./helpers.js";

// Full-size files: byte ranges and zips over HTTP, and edge-relay chunks up to the limit.

const run = promisify(execFile);

let dirs: GalleryDirs;
let feature: GalleryFeature;
let server: Awaited<ReturnType<typeof serveRoutes>>;
const names: string[] = [];

beforeAll(async () => {
  dirs = await makeGalleryDirs();
  for (let index = 0; index < 30; index += 1) {
    const name = index < 15 ? `a_${index}.png` : `sub/b_${index}.png`;
    await writeAt(join(dirs.output, name), await pngBytes(index, 200));
    names.push(name);
  }
  await writeAt(join(dirs.output, "large.bin"), "");
  await truncate(join(dirs.output, "large.bin"), GALLERY_RELAY_MAX_BYTES + 1);
  feature = await startTestGallery(dirs);
  server = await serveRoutes(feature);
});

afterAll(async () => {
  await server.close();
  await dirs.cleanup();
});

/** Lists a zip's entries and checks their CRCs with Python's zipfile module. */
async function zipEntries(path: string): Promise<{ names: string[]; bad: string | null }> {
  const script = "import sys, zipfile, json\nz = zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({'names': z.namelist(), 'bad': z.testzip()}))";
  const { stdout } = await run("python3", ["-c", script, path]);
  return JSON.parse(stdout) as { names: string[]; bad: string | null };
}

describe("gallery downloads", () => {
  it("serves a byte range", async () => {
    const response = await fetch(`${server.url}/__cc/gallery/file?root=output&path=a_1.png`, { headers: { range: "bytes=0-7" } });
    const body = Buffer.from(await response.arrayBuffer());
    expect(response.status).toBe(206);
    expect(body.toString("latin1")).toBe("\x89PNG\r\n\x1a\n");
  });

  it("asks the browser to save with download=1", async () => {
    const response = await fetch(`${server.url}/__cc/gallery/file?root=output&path=sub/b_20.png&download=1`);
    await response.arrayBuffer();
    expect(response.headers.get("content-disposition")).toBe("attachment; filename=b_20.png");
  });

  it("zips a selection from a form post", async () => {
    const form = new URLSearchParams([["root", "output"], ...names.map((name): [string, string] => ["path", name])]);
    const response = await fetch(`${server.url}/__cc/gallery/zip`, { method: "POST", body: form });
    expect(response.status).toBe(200);
    const zip = join(dirs.root, "selection.zip");
    await writeFile(zip, Buffer.from(await response.arrayBuffer()));

    const entries = await zipEntries(zip);
    expect(entries.bad).toBeNull();
    expect(entries.names.sort()).toEqual([...names].sort());
  });

  it("zips a stored selection", async () => {
    const selection = await feature.gallery.select({ root: "output", paths: ["a_3.png", "sub/b_16.png"] });
    const response = await fetch(`${server.url}/__cc/gallery/zip?selection=${selection.id}`);
    const zip = join(dirs.root, "stored.zip");
    await writeFile(zip, Buffer.from(await response.arrayBuffer()));
    expect((await zipEntries(zip)).names).toEqual(["a_3.png", "sub/b_16.png"]);
  });

  it("rejects an unknown selection", async () => {
    const response = await fetch(`${server.url}/__cc/gallery/zip?selection=AAAAAAAAAAAAAAAAAAAAAAAA`);
    await response.arrayBuffer();
    expect(response.status).toBe(404);
  });

  it("rejects a zip with a missing file before streaming", async () => {
    const response = await fetch(`${server.url}/__cc/gallery/zip?root=output&path=a_1.png&path=gone.png`);
    const body = (await response.json()) as { error: { code: string } };
    expect(response.status).toBe(404);
    expect(body.error.code).toBe("not_found");
  });

  it("relays a file in chunks", async () => {
    const expected = await readFile(join(dirs.output, "a_2.png"));
    const parts: Buffer[] = [];
    let offset = 0;
    let total = Infinity;
    while (offset < total) {
      const chunk = await feature.gallery.read({ root: "output", path: "a_2.png", offset, length: Math.min(GALLERY_READ_CHUNK_BYTES, 4096) });
      total = chunk.total_bytes;
      parts.push(Buffer.from(chunk.data_base64, "base64"));
      offset += 4096;
    }
    expect(Buffer.concat(parts).equals(expected)).toBe(true);
  });

  it("relay says a large file needs a tunnel", async () => {
    const error: unknown = await feature.gallery.read({ root: "output", path: "large.bin", offset: 0, length: 1024 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ComfyCarryError);
    expect((error as ComfyCarryError).code).toBe("payload_too_large");
    expect((error as ComfyCarryError).params).toMatchObject({ needs: "tunnel", limit_bytes: GALLERY_RELAY_MAX_BYTES });
  });

  it("deletes a selection", async () => {
    const result = await feature.gallery.delete({ root: "output", paths: ["a_0.png", "sub/b_15.png", "missing.png"] });
    const page = await feature.gallery.list({ root: "output", limit: 200 });
    expect(result.deleted).toEqual(["a_0.png", "sub/b_15.png"]);
    expect(result.failed.map((entry) => entry.path)).toEqual(["missing.png"]);
    expect(page.items.some((item) => item.path === "a_0.png")).toBe(false);
  });
});
