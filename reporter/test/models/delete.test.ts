import { mkdir, readdir, stat, symlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import type { ModelLibrary } from "../../src/models/library.js";
import { makeLibraryDirs, openLibrary, writeModel } from "./helpers.js";

let dirs: Awaited<ReturnType<typeof makeLibraryDirs>>;
let library: ModelLibrary;

beforeEach(async () => {
  dirs = await makeLibraryDirs();
  await writeModel(join(dirs.models, "loras", "ink.safetensors"), "lora");
  await writeModel(join(dirs.models, "loras", "ink.preview.png"), "png");
  await writeModel(join(dirs.models, "loras", "ink.civitai.info"), "{}");
  await writeModel(join(dirs.models, "loras", "inkwell.safetensors"), "other");
  await writeModel(join(dirs.outside, "secret.safetensors"), "not yours");
  await writeModel(join(dirs.outside, "ink2.preview.png"), "outside png");
  ({ library } = await openLibrary(dirs, { isBusy: () => true }));
});

afterEach(async () => {
  await library.close();
  await dirs.cleanup();
});

const exists = (path: string) => stat(path).then(() => true, () => false);

describe("model delete", () => {
  it("deletes the file and its sidecars", async () => {
    const result = await library.delete(join(dirs.models, "loras", "ink.safetensors"));
    expect(result.deleted.sort()).toEqual([join(dirs.models, "loras", "ink.civitai.info"), join(dirs.models, "loras", "ink.preview.png"), join(dirs.models, "loras", "ink.safetensors")]);
    expect((await readdir(join(dirs.models, "loras"))).sort()).toEqual(["inkwell.safetensors"]);
    expect(library.list({ limit: 10, offset: 0 }).items.map((item) => item.name)).toEqual(["inkwell.safetensors"]);
  });

  it("rejects a path with ..", async () => {
    await expect(library.delete(`${dirs.models}/loras/../../../outside/secret.safetensors`)).rejects.toMatchObject({ code: "invalid_arguments" });
    expect(await exists(join(dirs.outside, "secret.safetensors"))).toBe(true);
  });

  it("rejects a path outside the model folders", async () => {
    await expect(library.delete(join(dirs.outside, "secret.safetensors"))).rejects.toMatchObject({ code: "invalid_arguments" });
    expect(await exists(join(dirs.outside, "secret.safetensors"))).toBe(true);
  });

  it("rejects a relative path", async () => {
    await expect(library.delete("loras/ink.safetensors")).rejects.toMatchObject({ code: "invalid_arguments" });
  });

  it("rejects a folder symlink that leads outside", async () => {
    await symlink(dirs.outside, join(dirs.models, "loras", "escape"));
    await library.rescan();
    await expect(library.delete(join(dirs.models, "loras", "escape", "secret.safetensors"))).rejects.toMatchObject({ code: "invalid_arguments" });
    expect(await exists(join(dirs.outside, "secret.safetensors"))).toBe(true);
  });

  it("rejects a file symlink that leads outside", async () => {
    await symlink(join(dirs.outside, "secret.safetensors"), join(dirs.models, "loras", "linked.safetensors"));
    await expect(library.delete(join(dirs.models, "loras", "linked.safetensors"))).rejects.toMatchObject({ code: "invalid_arguments" });
    expect(await exists(join(dirs.models, "loras", "linked.safetensors"))).toBe(true);
  });

  it("keeps a sidecar symlink that leads outside", async () => {
    await symlink(join(dirs.outside, "ink2.preview.png"), join(dirs.models, "loras", "inkwell.preview.png"));
    const result = await library.delete(join(dirs.models, "loras", "inkwell.safetensors"));
    expect(result.deleted).toEqual([join(dirs.models, "loras", "inkwell.safetensors")]);
    expect(await exists(join(dirs.outside, "ink2.preview.png"))).toBe(true);
  });

  it("does not list files behind an escaping symlink", async () => {
    await symlink(dirs.outside, join(dirs.models, "loras", "escape"));
    await library.rescan();
    expect(library.list({ limit: 10, offset: 0 }).items.map((item) => item.name).sort()).toEqual(["ink.safetensors", "inkwell.safetensors"]);
  });

  it("rejects a file that is not a model", async () => {
    await expect(library.delete(join(dirs.models, "loras", "ink.preview.png"))).rejects.toMatchObject({ code: "invalid_arguments" });
  });

  it("rejects a folder", async () => {
    await mkdir(join(dirs.models, "loras", "sub.safetensors"));
    await expect(library.delete(join(dirs.models, "loras", "sub.safetensors"))).rejects.toMatchObject({ code: "invalid_arguments" });
  });

  it("reports a missing file as not found", async () => {
    await expect(library.delete(join(dirs.models, "loras", "gone.safetensors"))).rejects.toMatchObject({ code: "not_found" });
  });

  it("shows details with sidecars", async () => {
    const details = await library.details(join(dirs.models, "loras", "ink.safetensors"));
    expect(details.item.name).toBe("ink.safetensors");
    expect(details.sidecars.sort()).toEqual([join(dirs.models, "loras", "ink.civitai.info"), join(dirs.models, "loras", "ink.preview.png")]);
  });
});
