/**
 * The custom-node set on the remote: the deploy writes `comfycarry-nodes.json` (format
 * comfycarry.nodes.v1) into the folder the node-snapshots preset pushes, and a restore
 * reads the newest such file back and installs its packs.
 */
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { gitUrlSchema, nodeSnapshotSchema, toUtcTimestamp } from "@comfycarry/shared";
import type { DeployCustomNode, NodeSnapshot } from "@comfycarry/shared";

import { LocalPacks } from "../../comfyui-control/nodes/local-packs.js";
import type { StepContext } from "../context.js";

export const SNAPSHOT_FILE = "comfycarry-nodes.json";

/** The folders the node-snapshots preset may push, for cores with and without the system-user API. */
function snapshotDirs(comfyuiDir: string): string[] {
  return [join(comfyuiDir, "user", "__manager", "snapshots"), join(comfyuiDir, "user", "default", "ComfyUI-Manager", "snapshots")];
}

/** Writes the enabled git packs to the first snapshot folder; returns the file. */
export async function writeNodeSnapshot(context: StepContext): Promise<string> {
  const packs = await new LocalPacks(context.settings.comfyuiDir).list();
  const snapshot: NodeSnapshot = {
    format: "comfycarry.nodes.v1",
    taken_at: toUtcTimestamp(),
    packs: packs.flatMap((pack) => (pack.commit === null || pack.repository === null || !pack.enabled ? [] : [{ name: pack.name, repository: pack.repository, commit: pack.commit, enabled: true }])),
  };
  const [dir] = snapshotDirs(context.settings.comfyuiDir);
  const target = join(dir ?? context.settings.comfyuiDir, SNAPSHOT_FILE);
  await mkdir(dir ?? context.settings.comfyuiDir, { recursive: true });
  await writeFile(target, `${JSON.stringify(snapshot, null, 2)}\n`);
  return target;
}

/** The newest comfycarry.nodes.v1 snapshot found in the snapshot folders; Manager's own files are skipped. */
export async function newestNodeSnapshot(comfyuiDir: string): Promise<NodeSnapshot | null> {
  let newest: NodeSnapshot | null = null;
  for (const dir of snapshotDirs(comfyuiDir)) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((candidate) => candidate.endsWith(".json"))) {
      const parsed = nodeSnapshotSchema.safeParse(await readFile(join(dir, name), "utf8").then((text) => JSON.parse(text) as unknown, () => null));
      if (parsed.success && (newest === null || parsed.data.taken_at > newest.taken_at)) {
        newest = parsed.data;
      }
    }
  }
  return newest;
}

/** The snapshot's enabled packs as nodes to install; a repository URL the deploy would refuse is logged and left out. */
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
