import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { pino } from "pino";

import type { LocalPack } from "../../src/comfyui-control/nodes/local-packs.js";
import { WorkflowsService } from "../../src/workflows/service.js";
import { freePort } from "../helpers/simulator.js";

export const FIXTURES = join(import.meta.dirname, "../fixtures/workflows");
export const NODE_MAP = join(FIXTURES, "node-map.json");

export const silentLog = pino({ level: "silent" });

/** A temp workspace with a ComfyUI folder layout: `user/default/workflows`, `models`, `custom_nodes`. */
export interface TempComfyui {
  root: string;
  comfyuiDir: string;
  stateDir: string;
  workflowsDir: string;
  modelsDir: string;
  close(): Promise<void>;
}

export async function tempComfyui(): Promise<TempComfyui> {
  const root = await mkdtemp(join(tmpdir(), "cc-workflows-"));
  const comfyuiDir = join(root, "ComfyUI");
  const layout = {
    root,
    comfyuiDir,
    stateDir: join(root, ".comfycarry"),
    workflowsDir: join(comfyuiDir, "user", "default", "workflows"),
    modelsDir: join(comfyuiDir, "models"),
    close: () => rm(root, { recursive: true, force: true }),
  };
  await mkdir(layout.workflowsDir, { recursive: true });
  await mkdir(layout.modelsDir, { recursive: true });
  return layout;
}

export async function addFixture(layout: TempComfyui, name: string, as = name): Promise<void> {
  await mkdir(dirname(join(layout.workflowsDir, as)), { recursive: true });
  await copyFile(join(FIXTURES, name), join(layout.workflowsDir, as));
}

export async function addModel(layout: TempComfyui, subdir: string, name: string, content = "model bytes\n"): Promise<string> {
  const path = join(layout.modelsDir, subdir, name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  return path;
}

/** Opens the service against a ComfyUI URL nothing listens on, so only the node map file is used. */
export async function openService(layout: TempComfyui, packs: LocalPack[] = [], comfyuiUrl?: string): Promise<WorkflowsService> {
  return WorkflowsService.open({
    comfyuiDir: layout.comfyuiDir,
    comfyuiUrl: comfyuiUrl ?? `http://127.0.0.1:${await freePort()}`,
    stateDir: layout.stateDir,
    nodeMapFile: NODE_MAP,
    installedPacks: () => Promise.resolve(packs),
    log: silentLog,
  });
}

export function localPack(name: string, repository: string | null, enabled = true): LocalPack {
  return { name, dir: `/nowhere/${name}`, enabled, commit: "0123456789abcdef0123456789abcdef01234567", repository, tag: null };
}
