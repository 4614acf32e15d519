/**
 * The custom-node set and the sync rules on the remote: the deploy writes
 * `comfycarry-nodes.json` (format comfycarry.nodes.v1) and `comfycarry-sync-rules.json` into
 * the folder the node-snapshots preset pushes, and a restore reads them back.
 */
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { gitUrlSchema, nodePackNameSchema, nodeSnapshotSchema, toUtcTimestamp } from "@comfycarry/shared";
import { z } from "zod";
import type { DeployCustomNode, NodeSnapshot } from "@comfycarry/shared";

import type { StepContext } from "../context.js";
import { headCommit, originUrl } from "../git-files.js";

export const SNAPSHOT_FILE = "comfycarry-nodes.json";
/** The sync rules as rule inputs, kept next to the node snapshot so a restore can re-create them. */
export const RULES_FILE = "comfycarry-sync-rules.json";

/** Returns the folders the node-snapshots preset may push, for cores with and without the system-user API. */
function snapshotDirs(comfyuiDir: string): string[] {
  return [join(comfyuiDir, "user", "__manager", "snapshots"), join(comfyuiDir, "user", "default", "ComfyUI-Manager", "snapshots")];
}

/** Writes the enabled git packs to the first snapshot folder; returns the file. */
export async function writeNodeSnapshot(context: StepContext): Promise<string> {
  const snapshot: NodeSnapshot = { format: "comfycarry.nodes.v1", taken_at: toUtcTimestamp(), packs: await enabledPacks(join(context.settings.comfyuiDir, "custom_nodes")) };
  const [dir] = snapshotDirs(context.settings.comfyuiDir);
  const target = join(dir ?? context.settings.comfyuiDir, SNAPSHOT_FILE);
  await mkdir(dir ?? context.settings.comfyuiDir, { recursive: true });
  await writeFile(target, `${JSON.stringify(snapshot, null, 2)}\n`);
  return target;
}

/** Lists the git checkouts directly under custom_nodes/ in parallel. Folders without a commit or origin are left out. */
async function enabledPacks(customNodesDir: string): Promise<NodeSnapshot["packs"]> {
  const entries = await readdir(customNodesDir, { withFileTypes: true }).catch(() => []);
  const packs = await Promise.all(
    entries
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "__pycache__")
      .map(async (entry) => {
        const dir = join(customNodesDir, entry.name);
        const [commit, repository] = await Promise.all([headCommit(dir), originUrl(dir)]);
        const name = nodePackNameSchema.safeParse(entry.name);
        return commit === null || repository === null || !name.success ? null : { name: name.data, repository, commit, enabled: true };
      }),
  );
  return packs.filter((pack) => pack !== null).sort((left, right) => (left.name < right.name ? -1 : 1));
}

/** Finds the newest comfycarry.nodes.v1 snapshot in the snapshot folders. Manager's own files are skipped. */
export async function newestNodeSnapshot(comfyuiDir: string): Promise<NodeSnapshot | null> {
  let newest: NodeSnapshot | null = null;
  for (const dir of snapshotDirs(comfyuiDir)) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((candidate) => candidate.endsWith(".json"))) {
      const parsed = nodeSnapshotSchema.safeParse(await readFile(join(dir, name), "utf8").then(parseJson, () => null));
      if (parsed.success && (newest === null || parsed.data.taken_at > newest.taken_at)) {
        newest = parsed.data;
      }
    }
  }
  return newest;
}

/** Turns the snapshot's enabled packs into nodes to install. A repository URL the deploy would reject is logged and left out. */
export function snapshotNodes(context: StepContext, snapshot: NodeSnapshot): DeployCustomNode[] {
  return snapshot.packs.flatMap((pack) => {
    if (!pack.enabled) {
      return [];
    }
    if (!gitUrlSchema.safeParse(pack.repository).success) {
      context.line(`${pack.name}: left out, its repository ${pack.repository} is not an https:// or file:/// URL`);
      return [];
    }
    return [{ url: pack.repository, ref: pack.commit }];
  });
}

/** Writes the rule inputs next to the node snapshot. */
export async function writeSavedRules(context: StepContext, rules: unknown[]): Promise<void> {
  const [dir] = snapshotDirs(context.settings.comfyuiDir);
  if (dir === undefined) {
    return;
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, RULES_FILE), `${JSON.stringify({ format: "comfycarry.sync-rules.v1", rules }, null, 2)}\n`);
}

/** Reads the saved rule inputs from the first snapshot folder that has them. Each rule is validated when it is created. */
export async function readSavedRules(comfyuiDir: string): Promise<unknown[]> {
  for (const dir of snapshotDirs(comfyuiDir)) {
    const text = await readFile(join(dir, RULES_FILE), "utf8").catch(() => null);
    if (text === null) {
      continue;
    }
    const parsed = savedRulesSchema.safeParse(parseJson(text));
    if (parsed.success) {
      return parsed.data.rules;
    }
  }
  return [];
}

const savedRulesSchema = z.object({ format: z.literal("comfycarry.sync-rules.v1"), rules: z.array(z.unknown()) });

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
