import { z } from "zod";

import type { CommandArgs, CommandResultData, HfEntry } from "@comfycarry/shared";

import { failureFromResponse } from "../downloads/http-errors.js";
import type { HostRegistry, TokenSource } from "../downloads/hosts.js";
import { huggingFaceFolder } from "../downloads/target-folder.js";
import { isModelFile } from "./folders.js";

const treeEntrySchema = z.object({
  type: z.enum(["file", "directory"]),
  path: z.string(),
  size: z.number().nonnegative().optional(),
  lfs: z.object({ oid: z.string() }).partial().nullish(),
});

export interface HfBrowseContext {
  hosts: HostRegistry;
  tokens: TokenSource;
  userAgent: string;
  timeoutMs: number;
}

/** Entries listed at most per browse; a folder with more is marked truncated. */
const MAX_ENTRIES = 2_000;

/**
 * Lists one folder of a Hugging Face model repository with the tree API on the configured
 * endpoint (`HF_ENDPOINT`), following `Link: rel="next"` pages on that endpoint only, and
 * turns each file into its `/resolve/` download URL. The user's token goes only to the
 * endpoint's own host.
 */
export async function browseHuggingFace(args: CommandArgs<"models.hf.browse">, context: HfBrowseContext): Promise<CommandResultData<"models.hf.browse">> {
  const endpoint = context.hosts.hfEndpoint;
  const revision = args.revision ?? "main";
  const path = (args.path ?? "").replace(/^\/+|\/+$/g, "");
  const encodedPath = path === "" ? "" : `/${path.split("/").map(encodeURIComponent).join("/")}`;
  let next: URL | null = new URL(`${endpoint}/api/models/${args.repo}/tree/${encodeURIComponent(revision)}${encodedPath}`);
  const entries: HfEntry[] = [];

  while (next !== null && entries.length < MAX_ENTRIES) {
    const response: Response = await fetch(next, {
      headers: { Accept: "application/json", "User-Agent": context.userAgent, ...context.hosts.authHeaders(next, context.tokens) },
      redirect: "error",
      signal: AbortSignal.timeout(context.timeoutMs),
    });
    if (!response.ok) {
      throw await failureFromResponse(response, { ...context, host: next.host, kind: "huggingface", repo: args.repo, repoPage: `${endpoint}/${args.repo}` });
    }
    const page = z.array(z.unknown()).parse(await response.json());
    for (const raw of page) {
      const entry = treeEntrySchema.safeParse(raw);
      if (entry.success) {
        entries.push(toEntry(entry.data, endpoint, args.repo, revision));
      }
    }
    next = nextPage(response.headers.get("link"), endpoint);
  }

  // Folders first, then files, each by path.
  entries.sort((a, b) => {
    if (a.type !== b.type) {
      return a.type === "directory" ? -1 : 1;
    }
    return a.path.localeCompare(b.path);
  });
  return { repo: args.repo, revision, path, entries: entries.slice(0, MAX_ENTRIES), truncated: next !== null || entries.length > MAX_ENTRIES };
}

function toEntry(entry: z.infer<typeof treeEntrySchema>, endpoint: string, repo: string, revision: string): HfEntry {
  if (entry.type === "directory") {
    return { type: "directory", path: entry.path, size_bytes: 0, sha256: null, download_url: null, folder: null };
  }
  const name = entry.path.split("/").pop() ?? entry.path;
  const oid = entry.lfs?.oid;
  return {
    type: "file",
    path: entry.path,
    size_bytes: Math.trunc(entry.size ?? 0),
    sha256: oid !== undefined && /^[0-9a-f]{64}$/i.test(oid) ? oid.toLowerCase() : null,
    download_url: `${endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${entry.path.split("/").map(encodeURIComponent).join("/")}`,
    folder: isModelFile(name) ? huggingFaceFolder(entry.path) : null,
  };
}

/** Returns the `rel="next"` URL of a Link header, or null when absent or on another origin than the endpoint. */
function nextPage(link: string | null, endpoint: string): URL | null {
  const match = link === null ? null : /<([^>]+)>\s*;\s*rel="next"/.exec(link);
  if (match?.[1] === undefined) {
    return null;
  }
  const url = new URL(match[1], endpoint);
  return url.origin === new URL(endpoint).origin ? url : null;
}
