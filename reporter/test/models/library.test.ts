import { createHash } from "node:crypto";
import { stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import type { ModelLibrary } from "../../src/models/library.js";
import { eventually, makeLibraryDirs, openLibrary, writeModel } from "./helpers.js";

let dirs: Awaited<ReturnType<typeof makeLibraryDirs>>;
let library: ModelLibrary | null = null;

beforeEach(async () => {
  dirs = await makeLibraryDirs();
});

afterEach(async () => {
  await library?.close();
  library = null;
  await dirs.cleanup();
});

const sha = (text: string): string => createHash("sha256").update(text).digest("hex");

async function hashed(lib: ModelLibrary): Promise<void> {
  await eventually("every file hashed", () => lib.list({ limit: 1000, offset: 0 }).hash_pending === 0);
}

describe("model library scan", () => {
  it("lists model files with folder, size and date", async () => {
    await writeModel(join(dirs.models, "loras", "SDXL 1.0", "ink.safetensors"), "lora-bytes");
    await writeModel(join(dirs.models, "checkpoints", "base.ckpt"), "checkpoint-bytes");
    await writeModel(join(dirs.models, "clip", "t5.gguf"), "t5");
    ({ library } = await openLibrary(dirs));

    const { items, total } = library.list({ limit: 100, offset: 0 });
    expect(total).toBe(3);
    const lora = items.find((item) => item.name === "ink.safetensors");
    expect(lora?.folder).toBe("loras");
    expect(lora?.relative_path).toBe("SDXL 1.0/ink.safetensors");
    expect(lora?.size_bytes).toBe("lora-bytes".length);
    expect(lora?.modified_at).toBe(new Date(Math.round((await stat(join(dirs.models, "loras", "SDXL 1.0", "ink.safetensors"))).mtimeMs)).toISOString());
    expect(items.find((item) => item.name === "t5.gguf")?.folder).toBe("text_encoders");
  });

  it("skips hidden, partial and non-model files", async () => {
    await writeModel(join(dirs.models, "loras", "notes.txt"), "x");
    await writeModel(join(dirs.models, "loras", ".ink.safetensors.1234abcd.comfycarry-part"), "x");
    await writeModel(join(dirs.models, "loras", ".hidden.safetensors"), "x");
    ({ library } = await openLibrary(dirs));
    expect(library.list({ limit: 100, offset: 0 }).total).toBe(0);
  });

  it("filters by folder and search text", async () => {
    await writeModel(join(dirs.models, "loras", "ink.safetensors"), "a");
    await writeModel(join(dirs.models, "loras", "oil_paint.safetensors"), "b");
    await writeModel(join(dirs.models, "vae", "ink_vae.safetensors"), "c");
    ({ library } = await openLibrary(dirs));
    expect(library.list({ folder: "loras", limit: 100, offset: 0 }).items.map((item) => item.name)).toEqual(["ink.safetensors", "oil_paint.safetensors"]);
    expect(library.list({ search: "INK", limit: 100, offset: 0 }).items.map((item) => item.name)).toEqual(["ink.safetensors", "ink_vae.safetensors"]);
    expect(library.list({ search: "%", limit: 100, offset: 0 }).total).toBe(0);
  });

  it("reads extra_model_paths.yaml roots", async () => {
    const shared = join(dirs.root, "shared-models");
    await writeModel(join(shared, "checkpoints", "shared.safetensors"), "s");
    await writeModel(join(shared, "clip", "clip_l.safetensors"), "c");
    await writeModel(join(shared, "unet", "flux.safetensors"), "u");
    await writeModel(join(dirs.comfyui, "more_loras", "extra.safetensors"), "e");
    await writeFile(
      join(dirs.comfyui, "extra_model_paths.yaml"),
      [
        "shared:",
        `    base_path: ${shared}`,
        "    checkpoints: checkpoints/",
        "    clip: |",
        "        clip",
        "        text_encoders",
        "    unet: unet",
        "    custom_nodes: /nowhere",
        "local:",
        "    loras: more_loras",
        "",
      ].join("\n"),
    );
    ({ library } = await openLibrary(dirs));

    const byName = new Map(library.list({ limit: 100, offset: 0 }).items.map((item) => [item.name, item]));
    expect(byName.get("shared.safetensors")?.folder).toBe("checkpoints");
    expect(byName.get("shared.safetensors")?.path).toBe(join(shared, "checkpoints", "shared.safetensors"));
    expect(byName.get("clip_l.safetensors")?.folder).toBe("text_encoders");
    expect(byName.get("flux.safetensors")?.folder).toBe("diffusion_models");
    expect(byName.get("extra.safetensors")?.folder).toBe("loras");
  });

  it("ignores a malformed extra_model_paths.yaml", async () => {
    await writeModel(join(dirs.models, "loras", "ink.safetensors"), "a");
    await writeFile(join(dirs.comfyui, "extra_model_paths.yaml"), "a: [unclosed\n");
    ({ library } = await openLibrary(dirs));
    expect(library.list({ limit: 100, offset: 0 }).total).toBe(1);
  });

  it("counts added, changed and removed files on rescan", async () => {
    await writeModel(join(dirs.models, "loras", "a.safetensors"), "a");
    await writeModel(join(dirs.models, "loras", "b.safetensors"), "b");
    ({ library } = await openLibrary(dirs));
    await writeModel(join(dirs.models, "loras", "c.safetensors"), "c");
    await writeModel(join(dirs.models, "loras", "a.safetensors"), "a-longer");
    await library.delete(join(dirs.models, "loras", "b.safetensors"));
    expect(await library.rescan()).toEqual({ files: 2, added: 1, removed: 0, changed: 1 });
  });

  it("rescans on its own when a file appears", async () => {
    const opened = await openLibrary(dirs, { watch: true, rescanDelayMs: 100 });
    library = opened.library;
    const lib = opened.library;
    await writeModel(join(dirs.models, "loras", "late.safetensors"), "late");
    await eventually("the watcher to list late.safetensors", () => lib.list({ limit: 10, offset: 0 }).total === 1);
    await eventually("a scan event", () => opened.events.some((event) => event.kind === "models.library.changed" && event.reason === "scan"));
  });
});

describe("model library hashes", () => {
  it("hashes every file in the background", async () => {
    await writeModel(join(dirs.models, "loras", "ink.safetensors"), "lora-bytes");
    ({ library } = await openLibrary(dirs));
    await hashed(library);
    const [item] = library.list({ limit: 10, offset: 0 }).items;
    expect(item?.sha256).toBe(sha("lora-bytes"));
    expect(item?.hash_state).toBe("done");
  });

  it("keeps the cached hash while size and mtime stay", async () => {
    const path = join(dirs.models, "loras", "ink.safetensors");
    await writeModel(path, "aaaa");
    ({ library } = await openLibrary(dirs));
    await hashed(library);
    const before = await stat(path);

    // Same size and mtime, other bytes: the cache entry still matches, so the old hash stays.
    await writeFile(path, "bbbb");
    await utimes(path, before.atime, before.mtime);
    await library.rescan();
    expect(library.list({ limit: 10, offset: 0 }).items[0]?.sha256).toBe(sha("aaaa"));

    await utimes(path, before.atime, new Date(before.mtimeMs + 5_000));
    await library.rescan();
    await hashed(library);
    expect(library.list({ limit: 10, offset: 0 }).items[0]?.sha256).toBe(sha("bbbb"));
  });

  it("keeps hashes across a restart", async () => {
    await writeModel(join(dirs.models, "vae", "v.safetensors"), "vae");
    ({ library } = await openLibrary(dirs));
    await hashed(library);
    await library.close();
    library = null;

    // Opened with the background loop busy, so any hash present now came from the cache.
    ({ library } = await openLibrary(dirs, { isBusy: () => true }));
    expect(library.list({ limit: 10, offset: 0 }).items[0]?.sha256).toBe(sha("vae"));
  });

  it("finds duplicates in two folders", async () => {
    await writeModel(join(dirs.models, "loras", "ink.safetensors"), "same");
    await writeModel(join(dirs.models, "loras", "copy", "ink_copy.safetensors"), "same");
    await writeModel(join(dirs.models, "vae", "other.safetensors"), "other");
    ({ library } = await openLibrary(dirs));
    await hashed(library);

    expect(library.duplicates()).toEqual([
      { sha256: sha("same"), size_bytes: 4, paths: [join(dirs.models, "loras", "copy", "ink_copy.safetensors"), join(dirs.models, "loras", "ink.safetensors")] },
    ]);
    const counts = library.list({ limit: 10, offset: 0 }).items.map((item) => [item.name, item.duplicate_count]);
    expect(counts).toEqual([
      ["ink_copy.safetensors", 1],
      ["ink.safetensors", 1],
      ["other.safetensors", 0],
    ]);
    expect(library.installedFileWithHash(sha("other").toUpperCase())).toBe(join(dirs.models, "vae", "other.safetensors"));
  });

  it("adopts a hash the download queue verified", async () => {
    const path = join(dirs.models, "checkpoints", "dl.safetensors");
    ({ library } = await openLibrary(dirs, { isBusy: () => true }));
    await writeModel(path, "downloaded");
    await library.adoptHash(path, sha("downloaded").toUpperCase());
    expect(library.list({ limit: 10, offset: 0 }).items[0]?.sha256).toBe(sha("downloaded"));
  });
});
