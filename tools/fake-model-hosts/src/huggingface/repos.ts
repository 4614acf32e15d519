import { createHash } from "node:crypto";

import type { SyntheticFile } from "../synthetic-file.js";

export interface HfFileSpec {
  /** Path inside the repository, e.g. `vae/diffusion_pytorch_model.safetensors`. */
  path: string;
  file: SyntheticFile;
  /** LFS files resolve with a 302 to the CDN; small git files are served by the Hub. */
  lfs: boolean;
}

export interface HfRepoSpec {
  /** `owner/name`. */
  id: string;
  private?: boolean;
  gated?: false | "auto" | "manual";
  /** User names whose access request to a gated repo was accepted. */
  acceptedUsers?: string[];
  /** Users with read access to a private repo. */
  members?: string[];
  /** Commit id of `main`; 40 hex digits. */
  sha: string;
  files: HfFileSpec[];
  /** Old ids that redirect (relative 307) to this repo. */
  renamedFrom?: string[];
}

export interface HfTokenSpec {
  token: string;
  user: string;
  role: "read" | "write" | "fineGrained";
  /** For fine-grained tokens: "Read access to contents of all public gated repos you can access". */
  canReadGatedRepos?: boolean;
}

/** Git blob id (SHA-1 over `blob <size>\0` + content) of a small file; LFS files use a fixed pointer id. */
export function gitBlobId(spec: HfFileSpec): string {
  const hash = createHash("sha1").update(`blob ${spec.file.size}\0`);
  if (spec.lfs) {
    return hash.update(spec.path).digest("hex");
  }
  return hash.update(spec.file.read(0, spec.file.size)).digest("hex");
}

/** Formats `/api/models/{repo}`; siblings carry sizes and LFS data only with `?blobs=true`. */
export async function formatModelInfo(repo: HfRepoSpec, blobs: boolean): Promise<Record<string, unknown>> {
  const siblings: unknown[] = [];
  for (const spec of repo.files) {
    if (!blobs) {
      siblings.push({ rfilename: spec.path });
      continue;
    }
    const sibling: Record<string, unknown> = { rfilename: spec.path, blobId: gitBlobId(spec), size: spec.file.size };
    if (spec.lfs) {
      sibling.lfs = { sha256: await spec.file.sha256(), size: spec.file.size, pointerSize: 135 };
    }
    siblings.push(sibling);
  }
  const [author] = repo.id.split("/");
  return {
    _id: createHash("sha1").update(repo.id).digest("hex").slice(0, 24),
    id: repo.id,
    modelId: repo.id,
    author,
    sha: repo.sha,
    lastModified: "2026-09-30T08:12:44.000Z",
    createdAt: "2026-01-10T10:00:00.000Z",
    private: repo.private === true,
    disabled: false,
    gated: repo.gated ?? false,
    downloads: 0,
    likes: 0,
    library_name: "diffusers",
    tags: ["diffusers", "safetensors"],
    siblings,
  };
}

/** Lists a tree level (or everything below it with `recursive`) as the tree API does. */
export async function listTree(repo: HfRepoSpec, prefix: string, recursive: boolean): Promise<Record<string, unknown>[] | null> {
  const base = prefix === "" ? "" : `${prefix.replace(/\/+$/, "")}/`;
  const entries = new Map<string, Record<string, unknown>>();
  let found = base === "";
  for (const spec of repo.files) {
    if (!spec.path.startsWith(base)) {
      continue;
    }
    found = true;
    const rest = spec.path.slice(base.length);
    const parts = rest.split("/");
    for (let depth = 1; depth < parts.length && (recursive || depth === 1); depth += 1) {
      const dir = base + parts.slice(0, depth).join("/");
      entries.set(dir, { type: "directory", oid: createHash("sha1").update(dir).digest("hex"), size: 0, path: dir });
    }
    if (recursive || parts.length === 1) {
      const entry: Record<string, unknown> = { type: "file", oid: gitBlobId(spec), size: spec.file.size, path: spec.path };
      if (spec.lfs) {
        entry.lfs = { oid: await spec.file.sha256(), size: spec.file.size, pointerSize: 135 };
      }
      entries.set(spec.path, entry);
    }
  }
  return found ? [...entries.values()].sort((a, b) => String(a.path).localeCompare(String(b.path))) : null;
}
