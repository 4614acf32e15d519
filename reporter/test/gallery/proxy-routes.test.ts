import { stat, symlink } from "node:fs/promises";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startAccessProxy } from "../../src/access-proxy/feature.js";
import type { RunningAccessProxy } from "../../src/access-proxy/feature.js";
import { ProxyRoutes } from "../../src/access-proxy/routes.js";
import type { GalleryFeature } from "../../src/gallery/feature.js";
import { FakeAccessEdge, FakeClock, INSTANCE_ID } from "../access-proxy/harness.js";
import { freePort } from "../helpers/simulator.js";
import { makeGalleryDirs, pngBytes, startTestGallery, testLogger, writeAt } from "./helpers.js";
import type { GalleryDirs } from "./helpers.js";
import { makeModelFile, sha256Of, tusUpload } from "./tus-client.js";

// The gallery's routes mounted in the real access proxy: a caller without a session or
// token gets nothing, and a model upload cut at 40 % resumes through the proxy and ends
// with the same SHA-256. COMFYCARRY_GALLERY_UPLOAD_BYTES=1073741824 runs it with 1 GB.

const SIZE = Number(process.env.COMFYCARRY_GALLERY_UPLOAD_BYTES ?? 24 * 1024 * 1024);
const AUTH = { authorization: "Bearer cca_gallery_control" };

let dirs: GalleryDirs;
let feature: GalleryFeature;
let proxy: RunningAccessProxy;
let base: string;

beforeAll(async () => {
  dirs = await makeGalleryDirs();
  await writeAt(join(dirs.output, "a.png"), await pngBytes(4));
  await writeAt(join(dirs.outside, "secret.txt"), "do not read");
  await symlink(join(dirs.outside, "secret.txt"), join(dirs.output, "escape.png"));
  feature = await startTestGallery(dirs);

  const edge = new FakeAccessEdge();
  edge.tokens.set("cca_gallery_control", "control");
  const routes = new ProxyRoutes();
  routes.register("/__cc/gallery/", feature.routes);
  proxy = await startAccessProxy({
    instanceId: INSTANCE_ID,
    edgeUrl: "http://edge.invalid",
    token: "cct_unused",
    stateDir: dirs.state,
    // Nothing listens there: only the gallery's own routes are used.
    comfyuiUrl: `http://127.0.0.1:${await freePort()}`,
    port: 0,
    log: testLogger,
    observe: () => undefined,
    now: new FakeClock().now,
    edge,
    routes,
  });
  base = `http://127.0.0.1:${proxy.port}`;
});

afterAll(async () => {
  await proxy.stop();
  await dirs.cleanup();
});

describe("gallery behind the access proxy", () => {
  it("rejects anonymous downloads", async () => {
    const response = await fetch(`${base}/__cc/gallery/file?root=output&path=a.png`, { redirect: "manual" });
    await response.arrayBuffer();
    expect([302, 303, 401]).toContain(response.status);
  });

  it("rejects anonymous uploads", async () => {
    const response = await fetch(`${base}/__cc/gallery/uploads`, { method: "POST", headers: { "tus-resumable": "1.0.0", "upload-length": "10" }, redirect: "manual" });
    await response.arrayBuffer();
    expect([302, 303, 401]).toContain(response.status);
  });

  it("serves a file with a token", async () => {
    const response = await fetch(`${base}/__cc/gallery/file?root=output&path=a.png`, { headers: AUTH });
    const body = Buffer.from(await response.arrayBuffer());
    expect(response.status).toBe(200);
    expect(body.subarray(1, 4).toString("latin1")).toBe("PNG");
  });

  it("rejects a symlink out of the folder", async () => {
    const response = await fetch(`${base}/__cc/gallery/file?root=output&path=escape.png`, { headers: AUTH });
    expect(await response.text()).not.toContain("do not read");
    expect(response.status).toBe(400);
  });

  it("resumes a model upload cut at 40 %", async () => {
    const source = join(dirs.root, "proxied.safetensors");
    const expected = await makeModelFile(source, SIZE);
    const endpoint = `${base}/__cc/gallery/uploads`;
    const metadata = { filename: "proxied.safetensors", target: "model", folder: "checkpoints" };

    const first = await tusUpload(endpoint, source, metadata, { stopAt: Math.ceil(SIZE * 0.4), headers: AUTH });
    const resumeUrl = new URL(first.url ?? "", base).href;
    const head = await fetch(resumeUrl, { method: "HEAD", headers: { ...AUTH, "tus-resumable": "1.0.0" } });
    const offset = Number(head.headers.get("upload-offset"));
    const second = await tusUpload(endpoint, source, metadata, { uploadUrl: resumeUrl, headers: AUTH });

    expect(first.error).toBeNull();
    expect(offset).toBeGreaterThanOrEqual(SIZE * 0.4);
    expect(second.error).toBeNull();
    expect(second.sentFrom).toBe(offset);
    expect(await sha256Of(join(dirs.models, "checkpoints", "proxied.safetensors"))).toBe(expected);
  }, 600_000);

  it("keeps a .py out of the model folder", async () => {
    const source = join(dirs.root, "node.py");
    await writeAt(source, "import os\n");
    const outcome = await tusUpload(`${base}/__cc/gallery/uploads`, source, { filename: "node.py", target: "model", folder: "checkpoints" }, { headers: AUTH });
    expect(outcome.error?.message ?? "").toContain("response code: 415");
    await expect(stat(join(dirs.models, "checkpoints", "node.py"))).rejects.toThrow();
  });
});
