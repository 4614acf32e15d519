/**
 * The restore bench's baselines: the same restore done without the deploy engine, from one
 * command per file to one command per folder, one after another or in parallel.
 */
import { join } from "node:path";

import { execa } from "execa";

export const REMOTE = "backup";
/** Folder below the remote's root that the custom_nodes preset pushes the node folders to. */
export const REMOTE_NODES = "comfycarry/custom-nodes";
export const FOLDERS = [
  { remote: "comfycarry/workflows", local: "ComfyUI/user/default/workflows" },
  { remote: "comfycarry/user-settings", local: "ComfyUI/user/default" },
  { remote: "comfycarry/node-snapshots", local: "ComfyUI/user/__manager/snapshots" },
];

/** The workspace the baselines restore into and the remote they read. */
export interface BaselineBench {
  workspace: string;
  comfyuiDir: string;
  /** rclone.conf with the `backup` remote. */
  conf: string;
  packs: Array<{ name: string; url: string; commit: string }>;
}

type Folder = (typeof FOLDERS)[number];

function copyArgs(bench: BaselineBench, folder: Folder): string[] {
  return ["copy", "--config", bench.conf, `${REMOTE}:${folder.remote}`, join(bench.workspace, folder.local)];
}

/** Lists one folder per node, as the custom_nodes preset pushed them. */
function nodeFolders(bench: BaselineBench): Folder[] {
  return bench.packs.map((pack) => ({ remote: `${REMOTE_NODES}/${pack.name}`, local: `ComfyUI/custom_nodes/${pack.name}` }));
}

async function clone(bench: BaselineBench, pack: BaselineBench["packs"][number]): Promise<void> {
  const dir = join(bench.comfyuiDir, "custom_nodes", pack.name);
  await execa("git", ["clone", "--quiet", "--", pack.url, dir]);
  await execa("git", ["checkout", "--quiet", "--detach", pack.commit], { cwd: dir });
}

/** Copies each file with its own `rclone copyto`, then clones each node, one after another. */
export async function runPerItem(bench: BaselineBench): Promise<void> {
  for (const folder of FOLDERS) {
    const listing = await execa("rclone", ["lsf", "--config", bench.conf, "--files-only", `${REMOTE}:${folder.remote}`]);
    for (const name of listing.stdout.split("\n").filter((line) => line !== "")) {
      await execa("rclone", ["copyto", "--config", bench.conf, `${REMOTE}:${folder.remote}/${name}`, join(bench.workspace, folder.local, name)]);
    }
  }
  for (const pack of bench.packs) {
    await clone(bench, pack);
  }
}

/** Copies each folder, each node's backed-up folder included, with its own `rclone copy`, one after another. */
export async function runSequential(bench: BaselineBench): Promise<void> {
  for (const folder of [...FOLDERS, ...nodeFolders(bench)]) {
    await execa("rclone", copyArgs(bench, folder));
  }
}

/** Copies each folder, then clones and checks out each node from its git repository, one after another. */
export async function runSequentialClones(bench: BaselineBench): Promise<void> {
  for (const folder of FOLDERS) {
    await execa("rclone", copyArgs(bench, folder));
  }
  for (const pack of bench.packs) {
    await clone(bench, pack);
  }
}

/** Copies the folders and the whole node folder in parallel, one `rclone copy` each: the engine's copies without the engine. */
export async function runParallel(bench: BaselineBench): Promise<void> {
  const nodes = { remote: REMOTE_NODES, local: "ComfyUI/custom_nodes" };
  await Promise.all([...FOLDERS, nodes].map((folder) => execa("rclone", copyArgs(bench, folder))));
}
