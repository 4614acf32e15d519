import { realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

/**
 * Resolves a rule's local path inside the workspace. Symlinks are resolved first, so
 * a link pointing outside the workspace is caught; a path that does not exist yet is
 * resolved through its nearest existing parent.
 */

export class LocalPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LocalPathError";
  }
}

/** Reason code for a local path rejected before it is resolved, sent as the error's `params.reason`. */
export type LocalPathTextProblem = "empty" | "parent_segment";

/**
 * Checks a rule's local path as typed: it must name a folder and contain no `..` segment,
 * even one that stays inside the workspace, so the rule reads the same as the folder it syncs.
 */
export function localPathTextProblem(localPath: string): LocalPathTextProblem | null {
  if (localPath.trim() === "") {
    return "empty";
  }
  return localPath.split(/[\\/]/).includes("..") ? "parent_segment" : null;
}

async function realpathOfNearest(path: string): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      const real = await realpath(current);
      return missing.length === 0 ? real : join(real, ...missing.reverse());
    } catch (error) {
      if (!(error instanceof Error && "code" in error && error.code === "ENOENT")) {
        throw error;
      }
      const parent = dirname(current);
      if (parent === current) {
        throw error;
      }
      missing.push(basename(current));
      current = parent;
    }
  }
}

/** Returns the real absolute path of `localPath`, or throws LocalPathError when it leaves the workspace. */
export async function resolveLocalPath(workspaceDir: string, localPath: string): Promise<string> {
  const workspace = await realpath(workspaceDir);
  const candidate = isAbsolute(localPath) ? localPath : resolve(workspace, localPath);
  const real = await realpathOfNearest(candidate);

  const rel = relative(workspace, real);
  if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new LocalPathError(`local_path "${localPath}" resolves to ${real}, outside the workspace ${workspace}; use a folder inside the workspace`);
  }
  return real;
}
