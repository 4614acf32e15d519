/**
 * Custom-node packs for tests: git repositories under `<root>/sources/owner/`, reached as
 * `https://git.fixture.test/owner/<name>` through git's `url.<base>.insteadOf`, which the
 * GIT_CONFIG_* variables set for this process and every child (the simulator included).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { git } from "./checkout.js";

export const FIXTURE_HOST = "https://git.fixture.test/";

/** Routes the fixture host to local repositories for git run by this process and its children. */
export function routeFixtureHost(root: string): void {
  process.env["GIT_CONFIG_COUNT"] = "1";
  process.env["GIT_CONFIG_KEY_0"] = `url.file://${join(root, "sources")}/.insteadOf`;
  process.env["GIT_CONFIG_VALUE_0"] = FIXTURE_HOST;
}

function declaration(classes: string[]): string {
  const nodes = Object.fromEntries(classes.map((name) => [name, { category: "fixture", input: { required: { text: ["STRING", {}] } }, output: ["STRING"], output_node: true, ui: "text" }]));
  return JSON.stringify({ nodes }, null, 2);
}

export interface PackVersion {
  tag: string | null;
  classes: string[];
}

/** Creates `owner/<name>` with one commit per version; returns its https URL. */
export async function createPack(root: string, name: string, versions: PackVersion[]): Promise<string> {
  const dir = join(root, "sources", "owner", name);
  mkdirSync(dir, { recursive: true });
  await git(dir, ["init", "-q"]);
  writeFileSync(join(dir, "requirements.txt"), `${name}-helper==1.0\n`);
  for (const version of versions) {
    writeFileSync(join(dir, "comfyui-sim.json"), declaration(version.classes));
    await git(dir, ["add", "-A"]);
    await git(dir, ["commit", "-q", "-m", `${name} ${version.tag ?? "next"}`]);
    if (version.tag !== null) {
      await git(dir, ["tag", version.tag]);
    }
  }
  return `${FIXTURE_HOST}owner/${name}`;
}

/** Writes Manager's node list naming `packs` and returns its path (for COMFYUI_SIM_NODE_LIST). */
export function writeNodeList(root: string, packs: Array<{ id: string; url: string; title: string; stars: number }>): string {
  const file = join(root, "custom-node-list.json");
  const entries = packs.map((pack) => ({ id: pack.id, title: pack.title, author: "owner", reference: pack.url, files: [pack.url], install_type: "git-clone", description: `${pack.title} for tests`, stars: pack.stars, last_update: "2026-01-01 00:00:00" }));
  writeFileSync(file, JSON.stringify({ custom_nodes: entries }));
  return file;
}

/** The node class names ComfyUI serves in /object_info. */
export async function objectInfoClasses(url: string): Promise<string[]> {
  const response = await fetch(`${url}/object_info`);
  return Object.keys((await response.json()) as Record<string, unknown>);
}
