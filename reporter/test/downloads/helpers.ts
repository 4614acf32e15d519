import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { FakeCivitai, FakeHuggingFace, SyntheticFile } from "@comfycarry/fake-model-hosts";
import type { CivitaiModelSpec } from "@comfycarry/fake-model-hosts";

import { createRootLogger } from "../../src/log/logger.js";
import { DownloadEngine } from "../../src/downloads/engine.js";
import type { DownloadEngineOptions } from "../../src/downloads/engine.js";
import { HostRegistry } from "../../src/downloads/hosts.js";
import type { HostKind, TokenSource } from "../../src/downloads/hosts.js";
import type { DownloadJob, DownloadStatus } from "../../src/downloads/schemas.js";

export const CIVITAI_TOKEN = "civitai-test-key-0123456789";
export const HF_TOKEN = "hf_alice_read";

/** A temp directory with `models/` and `state/`, removed by `cleanup`. */
export async function makeDirs(): Promise<{ root: string; models: string; state: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), "cc-downloads-"));
  const models = join(root, "models");
  const state = join(root, "state");
  await mkdir(models);
  await mkdir(state);
  return { root, models, state, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** A small CivitAI catalog: a LoRA (public), a checkpoint that needs login. */
export function civitaiCatalog(loraSize = 3 * 1024 * 1024): { models: CivitaiModelSpec[]; lora: SyntheticFile; locked: SyntheticFile } {
  const lora = new SyntheticFile({ size: loraSize, seed: "ink-lora", format: "safetensors" });
  const locked = new SyntheticFile({ size: 2 * 1024 * 1024, seed: "locked-ckpt", format: "safetensors" });
  const models: CivitaiModelSpec[] = [
    {
      id: 402871,
      name: "Ink Wash Style",
      type: "LORA",
      versions: [{ id: 1558120, name: "v2.0", baseModel: "SDXL 1.0", files: [{ id: 1460033, name: "inkwash_xl_v2.safetensors", type: "Model", format: "SafeTensor", primary: true, file: lora }] }],
    },
    {
      id: 500,
      name: "Locked Checkpoint",
      type: "Checkpoint",
      versions: [{ id: 600, name: "v1", baseModel: "Flux.1 D", requireAuth: true, files: [{ id: 700, name: "Locked_v1.safetensors", type: "Model", format: "SafeTensor", primary: true, file: locked }] }],
    },
  ];
  return { models, lora, locked };
}

export function tokens(values: Partial<Record<HostKind, string>>): TokenSource {
  return { get: (kind) => values[kind] ?? null };
}

export interface EngineSetup {
  civitai?: FakeCivitai;
  hf?: FakeHuggingFace;
  tokens?: TokenSource;
  models: string;
  state: string;
  extra?: Partial<DownloadEngineOptions>;
}

/** Host registry that treats the fakes' loopback origins as CivitAI and Hugging Face. */
export function fakeHosts(civitai?: FakeCivitai, hf?: FakeHuggingFace): HostRegistry {
  const loopback: Record<string, HostKind> = {};
  if (civitai !== undefined) {
    loopback[new URL(civitai.origin).host] = "civitai";
  }
  if (hf !== undefined) {
    loopback[new URL(hf.origin).host] = "huggingface";
  }
  return new HostRegistry({ testOnlyLoopbackHosts: loopback, ...(hf === undefined ? {} : { hfEndpoint: hf.origin }) });
}

export function openEngine(setup: EngineSetup): Promise<DownloadEngine> {
  return DownloadEngine.open({
    stateDir: setup.state,
    modelsRoot: setup.models,
    hosts: fakeHosts(setup.civitai, setup.hf),
    tokens: setup.tokens ?? tokens({}),
    logger: createRootLogger({ level: process.env.COMFYCARRY_TEST_LOG ?? "silent" }),
    pollIntervalMs: 100,
    connectionsPerFile: 4,
    ...setup.extra,
  });
}

/** Resolves with the job once it reaches one of `statuses`, or rejects after `timeoutMs`. */
export function waitForStatus(engine: DownloadEngine, id: string, statuses: DownloadStatus[], timeoutMs = 30_000): Promise<DownloadJob> {
  return new Promise((resolve, reject) => {
    const check = (job: DownloadJob | null): boolean => {
      if (job !== null && job.id === id && statuses.includes(job.status)) {
        cleanup();
        resolve(job);
        return true;
      }
      return false;
    };
    const listener = (job: DownloadJob): void => {
      check(job);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`job ${id} did not reach ${statuses.join("/")} within ${timeoutMs} ms; last: ${JSON.stringify(engine.get(id))}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      engine.off("job", listener);
    };
    engine.on("job", listener);
    check(engine.get(id));
  });
}
