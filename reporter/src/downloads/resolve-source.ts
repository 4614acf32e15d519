import { civitaiFileMeta } from "./civitai-meta.js";
import type { CivitaiFileMeta } from "./civitai-meta.js";
import { sniff } from "./content-check.js";
import { DownloadFailure, tokenRequired } from "./failure.js";
import { fileNameFromDisposition, fileNameFromUrlPath, safeModelFileName } from "./file-name.js";
import type { HostRegistry, TokenSource } from "./hosts.js";
import { failureFromResponse } from "./http-errors.js";
import { probe, sizeFromResponse } from "./http-probe.js";
import type { NormalisedLink } from "./links.js";
import { huggingFaceFolder } from "./target-folder.js";

export interface ResolveContext {
  hosts: HostRegistry;
  tokens: TokenSource;
  userAgent: string;
  timeoutMs: number;
}

/** The current location of a link's bytes and the expected file. */
export interface ResolvedSource {
  /** URL to hand to aria2. For redirects this is the presigned target, valid for a limited time. */
  transferUrl: string;
  /**
   * Headers for aria2: the token only when the final URL is on the link's own origin (a
   * gated file served directly), never for a redirect target on another host.
   */
  transferHeaders: Record<string, string>;
  fileName: string;
  /** Folder guessed from CivitAI type / base model or the Hugging Face path. */
  folder: string;
  totalBytes: number | null;
  sha256: string | null;
  /** For CivitAI links: the chosen file and every file of its version. */
  civitai: { fileId: number; files: CivitaiFileMeta["files"] } | null;
}

/**
 * Resolves a normalised link: CivitAI metadata first (file name, size, SHA-256), then a
 * probe along the redirect chain. A sign-in page, JSON error or other non-model body fails
 * here with the token error, before anything is written.
 */
export async function resolveSource(link: NormalisedLink, context: ResolveContext, civitaiFileId?: number): Promise<ResolvedSource> {
  const origin = new URL(link.url);
  const host = origin.host;
  let meta: CivitaiFileMeta | null = null;
  let startUrl = link.url;
  if (link.kind === "civitai") {
    const selectors = civitaiFileId === undefined ? link.selectors : { fileId: civitaiFileId };
    meta = await civitaiFileMeta(link.origin, { modelId: link.modelId, versionId: link.versionId }, selectors, context);
    startUrl = meta.downloadUrl;
  }

  const result = await probe(startUrl, context);
  const errorContext = {
    ...context,
    host,
    kind: context.hosts.kindOf(origin),
    ...(link.kind === "huggingface" ? { repo: link.repo, repoPage: `${link.origin}/${link.repo}` } : {}),
  };
  if (!result.response.ok) {
    throw await failureFromResponse(result.response, errorContext);
  }

  // A sign-in or error page where weights were expected: CivitAI can return 200 text/html without a token.
  const contentType = result.response.headers.get("content-type")?.toLowerCase() ?? "";
  const kind = sniff(result.head, Number.MAX_SAFE_INTEGER);
  if (contentType.startsWith("text/html") || contentType.startsWith("application/json") || kind === "html" || kind === "json") {
    throw tokenRequired(host);
  }

  const fileName = pickFileName(link, meta, result.response.headers.get("content-disposition"));
  const linkedSha = /^"?([0-9a-f]{64})"?$/i.exec(result.linkedEtag ?? "")?.[1]?.toLowerCase() ?? null;
  return {
    transferUrl: result.finalUrl,
    transferHeaders: result.sameOrigin ? context.hosts.authHeaders(new URL(result.finalUrl), context.tokens) : {},
    fileName,
    folder: meta?.folder ?? (link.kind === "huggingface" || link.kind === "modelscope" ? huggingFaceFolder(link.path) : "checkpoints"),
    totalBytes: result.linkedSize ?? sizeFromResponse(result.response) ?? meta?.totalBytes ?? null,
    sha256: meta?.sha256 ?? linkedSha,
    civitai: meta === null ? null : { fileId: meta.fileId, files: meta.files },
  };
}

/** Content-Disposition first, then CivitAI's metadata, then the URL path; never the query string. */
function pickFileName(link: NormalisedLink, meta: CivitaiFileMeta | null, disposition: string | null): string {
  const candidates = [fileNameFromDisposition(disposition), meta?.fileName ?? null, link.kind === "direct" ? fileNameFromUrlPath(link.url) : null];
  if (link.kind === "huggingface" || link.kind === "modelscope") {
    candidates.push(link.path.split("/").pop() ?? null);
  }
  for (const candidate of candidates) {
    const safe = candidate === null ? null : safeModelFileName(candidate);
    if (safe !== null) {
      return safe;
    }
  }
  const shown = candidates.find((candidate) => candidate !== null) ?? "(none)";
  throw new DownloadFailure("invalid_target", `the file name ${shown} has no model extension (.safetensors, .ckpt, .pt, .pth, .bin, .gguf, …); this link does not point at a model file`, { file_name: shown });
}
