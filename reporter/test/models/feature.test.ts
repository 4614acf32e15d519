import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { FakeCivitai, FakeHuggingFace, SyntheticFile } from "@comfycarry/fake-model-hosts";
import type { CivitaiModelSpec, HfRepoSpec } from "@comfycarry/fake-model-hosts";
import { ComfyCarryError, commandSchemas } from "@comfycarry/shared";
import type { CommandName, ProtocolEvent } from "@comfycarry/shared";

import { HostTokens } from "../../src/config/host-tokens.js";
import type { ModelSettings } from "../../src/config/load.js";
import type { HandlerContext } from "../../src/commands/executor.js";
import { ModelsFeature } from "../../src/models/feature.js";
import { createModelsHandlers } from "../../src/models/handlers.js";
import type { ModelsHandlers } from "../../src/models/handlers.js";
import { eventually, makeLibraryDirs, testLogger, writeModel } from "./helpers.js";

// The Models commands run against the real download engine (aria2) and the loopback fakes
// of CivitAI and Hugging Face.

const ink = new SyntheticFile({ size: 2 * 1024 * 1024, seed: "feature-ink", format: "safetensors" });
const inkVae = new SyntheticFile({ size: 64 * 1024, seed: "feature-ink-vae", format: "safetensors" });
const known = new SyntheticFile({ size: 48 * 1024, seed: "feature-known", format: "safetensors" });
const locked = new SyntheticFile({ size: 32 * 1024, seed: "feature-locked", format: "safetensors" });
const unet = new SyntheticFile({ size: 40 * 1024, seed: "feature-unet", format: "safetensors" });

const models: CivitaiModelSpec[] = [
  {
    id: 11,
    name: "Ink Wash Style",
    type: "LORA",
    downloadCount: 500,
    tags: ["style"],
    versions: [
      {
        id: 111,
        name: "v2.0",
        baseModel: "SDXL 1.0",
        trainedWords: ["inkwash style"],
        files: [
          { id: 1111, name: "inkwash_xl_v2.safetensors", type: "Model", format: "SafeTensor", primary: true, file: ink },
          { id: 1112, name: "inkwash_vae.safetensors", type: "VAE", format: "SafeTensor", file: inkVae },
        ],
      },
    ],
  },
  {
    id: 22,
    name: "Known Checkpoint",
    type: "Checkpoint",
    downloadCount: 900,
    versions: [{ id: 222, name: "v1", baseModel: "Flux.1 D", trainedWords: ["knownword"], files: [{ id: 2221, name: "Known_v1.safetensors", type: "Model", format: "SafeTensor", primary: true, file: known }] }],
  },
  {
    id: 33,
    name: "Locked Checkpoint",
    type: "Checkpoint",
    downloadCount: 10,
    versions: [{ id: 333, name: "v1", baseModel: "SDXL 1.0", requireAuth: true, files: [{ id: 3331, name: "Locked_v1.safetensors", type: "Model", format: "SafeTensor", primary: true, file: locked }] }],
  },
];

const repos: HfRepoSpec[] = [
  {
    id: "acme/flux-parts",
    sha: "a".repeat(40),
    files: [
      { path: "README.md", file: new SyntheticFile({ size: 100, seed: "readme", format: "raw" }), lfs: false },
      { path: "transformer/flux.safetensors", file: unet, lfs: true },
    ],
  },
  { id: "acme/private", sha: "b".repeat(40), private: true, files: [] },
];

let civitai: FakeCivitai;
let hf: FakeHuggingFace;
let dirs: Awaited<ReturnType<typeof makeLibraryDirs>>;
let feature: ModelsFeature;
let handlers: ModelsHandlers;
let events: ProtocolEvent[];

beforeAll(async () => {
  civitai = new FakeCivitai({ models });
  hf = new FakeHuggingFace({ repos });
  await civitai.start();
  await hf.start();
});

afterAll(async () => {
  await civitai.close();
  await hf.close();
});

beforeEach(async () => {
  dirs = await makeLibraryDirs();
  events = [];
  const settings: ModelSettings = {
    hfEndpoint: hf.origin,
    civitaiBaseUrl: civitai.origin,
    aria2Path: "aria2c",
    extraModelPathFiles: [],
    testOnlyLoopbackHosts: { [new URL(civitai.origin).host]: "civitai", [new URL(hf.origin).host]: "huggingface" },
    tokens: new HostTokens({}),
  };
  feature = await ModelsFeature.start({
    comfyuiDir: dirs.comfyui,
    stateDir: dirs.state,
    settings,
    log: testLogger,
    emit: (event) => events.push(event),
    engine: { pollIntervalMs: 100, connectionsPerFile: 2 },
    library: { watch: false, lookupIntervalMs: 0 },
  });
  handlers = createModelsHandlers(feature);
});

afterEach(async () => {
  await feature.stop();
  await dirs.cleanup();
});

const context = (): HandlerContext => ({ signal: AbortSignal.timeout(20_000), log: testLogger });

/** Runs a handler and checks its result against the shared schema, as the executor does. */
async function run<N extends keyof ModelsHandlers & CommandName>(name: N, args: unknown): Promise<unknown> {
  const parsedArgs = commandSchemas[name].args.parse(args);
  const handler = handlers[name] as (args: unknown, context: HandlerContext) => Promise<unknown>;
  return commandSchemas[name].result.parse(await handler(parsedArgs, context()));
}

async function failure(name: keyof ModelsHandlers & CommandName, args: unknown): Promise<ComfyCarryError> {
  try {
    await run(name, args);
  } catch (error) {
    if (error instanceof ComfyCarryError) {
      return error;
    }
    throw error;
  }
  throw new Error(`${name} succeeded, expected a failure`);
}

describe("downloads commands", () => {
  it("previews a multi-file CivitAI version", async () => {
    const preview = commandSchemas["downloads.preview"].result.parse(await run("downloads.preview", { url: `${civitai.origin}/models/11?modelVersionId=111` }));
    expect(preview.file_name).toBe("inkwash_xl_v2.safetensors");
    expect(preview.folder).toBe("loras/SDXL 1.0");
    expect(preview.total_bytes).toBe(ink.size);
    expect(preview.url).toBe(`${civitai.origin}/api/download/models/111`);
    expect(preview.civitai_file_id).toBe(1111);
    expect(preview.civitai_files?.map((file) => [file.id, file.name, file.folder, file.primary])).toEqual([
      [1111, "inkwash_xl_v2.safetensors", "loras/SDXL 1.0", true],
      [1112, "inkwash_vae.safetensors", "vae", false],
    ]);
    expect(preview.civitai_files?.[1]?.download_url).toBe(`${civitai.origin}/api/download/models/111?fileId=1112`);
  });

  it("reports a missing token as download_failed", async () => {
    const error = await failure("downloads.preview", { url: `${civitai.origin}/models/33?modelVersionId=333` });
    expect(error.code).toBe("download_failed");
    expect(error.params?.reason).toBe("token_required");
  });

  it("downloads picked files and lists them in the library", async () => {
    for (const fileId of [1111, 1112]) {
      const added = commandSchemas["downloads.add"].result.parse(await run("downloads.add", { url: `${civitai.origin}/models/11?modelVersionId=111`, civitai_file_id: fileId }));
      expect(added.outcome).toBe("added");
    }
    await eventually("both downloads to complete", () => (feature.engine?.list() ?? []).every((job) => job.status === "completed"), 30_000);

    await eventually("the library to list both files with their hashes", () => {
      const items = feature.library.list({ limit: 10, offset: 0 }).items;
      return items.length === 2 && items.every((item) => item.sha256 !== null);
    });
    const items = feature.library.list({ limit: 10, offset: 0 }).items;
    expect(items.map((item) => [item.folder, item.relative_path])).toEqual([
      ["loras", "SDXL 1.0/inkwash_xl_v2.safetensors"],
      ["vae", "inkwash_vae.safetensors"],
    ]);
    expect(items[0]?.sha256).toBe(await ink.sha256());

    const jobEvents = events.filter((event) => event.kind === "download.job");
    const statuses = jobEvents.map((event) => (event.kind === "download.job" ? event.job.status : null));
    expect(statuses).toContain("active");
    expect(statuses.filter((status) => status === "completed")).toHaveLength(2);
  });

  it("forgets a deleted download", async () => {
    const url = `${civitai.origin}/models/22?modelVersionId=222`;
    await run("downloads.add", { url });
    await eventually("the download to complete", () => feature.engine?.list()[0]?.status === "completed", 30_000);
    await eventually("the library to hash the file", () => typeof feature.library.list({ limit: 10, offset: 0 }).items[0]?.sha256 === "string");
    const before = commandSchemas["downloads.preview"].result.parse(await run("downloads.preview", { url }));
    expect(before.duplicates).not.toEqual([]);

    await run("models.delete", { path: join(dirs.models, before.folder, before.file_name), confirm: true });
    const after = commandSchemas["downloads.preview"].result.parse(await run("downloads.preview", { url }));

    expect(after.duplicates).toEqual([]);
  });

  it("drops the link match after replacement", async () => {
    const url = `${civitai.origin}/models/22?modelVersionId=222`;
    await run("downloads.add", { url });
    await eventually("the download to complete", () => feature.engine?.list()[0]?.status === "completed", 30_000);
    const before = commandSchemas["downloads.preview"].result.parse(await run("downloads.preview", { url }));

    await writeModel(join(dirs.models, before.folder, before.file_name), "a different file under the same name");
    const after = commandSchemas["downloads.preview"].result.parse(await run("downloads.preview", { url }));

    expect(after.duplicates.map((duplicate) => [duplicate.reason, duplicate.job_id])).toEqual([["same_target", null]]);
  });

  it("reports the current download in the overview", async () => {
    expect(feature.overview()).toEqual({ available: true, active_count: 0, queue_count: 0, current: null });
  });

  it("lists, pauses and cancels through commands", async () => {
    await run("downloads.add", { url: `${civitai.origin}/models/22?modelVersionId=222` });
    const { jobs } = commandSchemas["downloads.list"].result.parse(await run("downloads.list", {}));
    expect(jobs).toHaveLength(1);
    const id = jobs[0]?.id ?? "";
    const job = commandSchemas["downloads.cancel"].result.parse(await run("downloads.cancel", { id }));
    expect(job.status).toBe("canceled");
    expect((await failure("downloads.pause", { id })).code).toBe("invalid_arguments");
    expect((await failure("downloads.resume", { id: "no-such-job" })).code).toBe("not_found");
  });
});

describe("models commands", () => {
  it("looks a local file up on CivitAI by hash", async () => {
    await writeModel(join(dirs.models, "checkpoints", "renamed.safetensors"), known.read(0, known.size));
    await run("models.rescan", {});
    await eventually("the CivitAI lookup", () => feature.library.list({ limit: 10, offset: 0 }).items[0]?.civitai_state === "found");

    const details = commandSchemas["models.details"].result.parse(await run("models.details", { path: join(dirs.models, "checkpoints", "renamed.safetensors") }));
    expect(details.item.civitai).toEqual({
      model_id: 22,
      model_name: "Known Checkpoint",
      model_type: "Checkpoint",
      version_id: 222,
      version_name: "v1",
      base_model: "Flux.1 D",
      trained_words: ["knownword"],
      preview_url: null,
      page_url: `${civitai.origin}/models/22?modelVersionId=222`,
    });
    expect(civitai.requests.some((request) => request.url.startsWith("/api/v1/model-versions/by-hash/"))).toBe(true);
  });

  it("marks an unknown hash as not found", async () => {
    await writeModel(join(dirs.models, "loras", "homemade.safetensors"), "my own lora");
    await run("models.rescan", {});
    await eventually("the CivitAI lookup", () => feature.library.list({ limit: 10, offset: 0 }).items[0]?.civitai_state === "not_found");
  });

  it("deletes only with confirm", async () => {
    const path = join(dirs.models, "loras", "gone.safetensors");
    await writeModel(path, "bytes");
    await run("models.rescan", {});
    expect(() => commandSchemas["models.delete"].args.parse({ path })).toThrow();
    expect(await run("models.delete", { path, confirm: true })).toEqual({ deleted: [path] });
  });

  it("searches CivitAI with filters", async () => {
    const result = commandSchemas["models.civitai.search"].result.parse(await run("models.civitai.search", { types: ["Checkpoint"], sort: "Most Downloaded", limit: 1 }));
    expect(result.items.map((item) => item.name)).toEqual(["Known Checkpoint"]);
    expect(result.next_cursor).not.toBeNull();

    const next = commandSchemas["models.civitai.search"].result.parse(
      await run("models.civitai.search", { types: ["Checkpoint"], sort: "Most Downloaded", limit: 1, cursor: result.next_cursor ?? undefined }),
    );
    expect(next.items.map((item) => item.name)).toEqual(["Locked Checkpoint"]);

    const lora = commandSchemas["models.civitai.search"].result.parse(await run("models.civitai.search", { query: "ink", base_models: ["SDXL 1.0"] }));
    expect(lora.items[0]?.versions[0]?.files.map((file) => file.folder)).toEqual(["loras/SDXL 1.0", "vae"]);
  });

  it("caches a search for a short while", async () => {
    const before = civitai.requests.filter((request) => request.url.startsWith("/api/v1/models?")).length;
    await run("models.civitai.search", { query: "cached-query" });
    await run("models.civitai.search", { query: "cached-query" });
    expect(civitai.requests.filter((request) => request.url.startsWith("/api/v1/models?")).length).toBe(before + 1);
  });

  it("browses a Hugging Face repository", async () => {
    const root = commandSchemas["models.hf.browse"].result.parse(await run("models.hf.browse", { repo: "acme/flux-parts" }));
    expect(root.entries.map((entry) => [entry.type, entry.path])).toEqual([
      ["directory", "transformer"],
      ["file", "README.md"],
    ]);
    const sub = commandSchemas["models.hf.browse"].result.parse(await run("models.hf.browse", { repo: "acme/flux-parts", path: "transformer" }));
    expect(sub.entries).toEqual([
      {
        type: "file",
        path: "transformer/flux.safetensors",
        size_bytes: unet.size,
        sha256: await unet.sha256(),
        download_url: `${hf.origin}/acme/flux-parts/resolve/main/transformer/flux.safetensors`,
        folder: "diffusion_models",
      },
    ]);
  });

  it("reports a private repository as not found", async () => {
    const error = await failure("models.hf.browse", { repo: "acme/private" });
    expect(error.code).toBe("download_failed");
    expect(error.params?.reason).toBe("not_found");
  });
});
