import { DownloadFailure } from "./failure.js";
import type { HostRegistry } from "./hosts.js";

/** File selectors the CivitAI download route accepts, carried over from a pasted link. */
export interface CivitaiSelectors {
  type?: string;
  format?: string;
  size?: string;
  fp?: string;
  fileId?: number;
}

/** A pasted link reduced to what the engine needs to resolve it. */
export type NormalisedLink =
  | { kind: "civitai"; url: string; origin: string; modelId: number | null; versionId: number | null; selectors: CivitaiSelectors }
  | { kind: "huggingface"; url: string; origin: string; repo: string; revision: string; path: string }
  | { kind: "modelscope"; url: string; origin: string; repo: string; revision: string; path: string }
  | { kind: "direct"; url: string };

/**
 * Normalises a pasted link: CivitAI model pages, `?modelVersionId=` and download API links
 * (civitai.com and civitai.red) become download API URLs; Hugging Face `/blob/` becomes
 * `/resolve/` on the configured endpoint; ModelScope file pages become `/resolve/` URLs.
 * Anything else on http(s) is a direct URL. Lookalike hosts stay direct and get no token.
 */
export function normaliseLink(input: string, hosts: HostRegistry): NormalisedLink {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new DownloadFailure("unsupported_link", `invalid link "${input.slice(0, 200)}": paste a full http(s) URL`, { url: input.slice(0, 200) });
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new DownloadFailure("unsupported_link", `unsupported link scheme ${url.protocol}: paste an http(s) URL`, { url: url.protocol });
  }
  if (url.username !== "" || url.password !== "") {
    throw new DownloadFailure("unsupported_link", "links with a user name or password are not accepted: store tokens in Settings → Tokens", {});
  }

  // A token pasted inside a link must never be stored in the queue or sent anywhere else.
  url.searchParams.delete("token");
  url.hash = "";

  const kind = hosts.kindOf(url);
  if (kind === "civitai") {
    return normaliseCivitai(url);
  }
  if (kind === "huggingface" || (kind === null && url.protocol === "https:" && (url.hostname === "huggingface.co" || url.hostname === "hf.co"))) {
    return normaliseHuggingFace(url, hosts.hfEndpoint);
  }
  if (kind === "modelscope") {
    return normaliseModelScope(url);
  }
  return { kind: "direct", url: url.toString() };
}

function positiveInt(value: string | null | undefined): number | null {
  if (value === null || value === undefined || !/^\d+$/.test(value)) {
    return null;
  }
  const number = Number(value);
  return number > 0 && number <= 2_147_483_647 ? number : null;
}

function normaliseCivitai(url: URL): NormalisedLink {
  const versionParam = positiveInt(url.searchParams.get("modelVersionId"));
  const page = /^\/models\/(\d+)(?:\/[^/]*)?\/?$/.exec(url.pathname);
  if (page !== null) {
    const modelId = positiveInt(page[1]);
    const target = versionParam === null ? `${url.origin}/models/${modelId}` : downloadUrl(url.origin, versionParam, {});
    return { kind: "civitai", url: target, origin: url.origin, modelId, versionId: versionParam, selectors: {} };
  }

  const download = /^\/api\/download\/models\/(\d+)\/?$/.exec(url.pathname);
  if (download !== null) {
    const versionId = positiveInt(download[1]);
    const selectors: CivitaiSelectors = {};
    for (const key of ["type", "format", "size", "fp"] as const) {
      const value = url.searchParams.get(key);
      if (value !== null && value !== "") {
        selectors[key] = value;
      }
    }
    const fileId = positiveInt(url.searchParams.get("fileId"));
    if (fileId !== null) {
      selectors.fileId = fileId;
    }
    return { kind: "civitai", url: downloadUrl(url.origin, versionId ?? 0, selectors), origin: url.origin, modelId: null, versionId, selectors };
  }

  const versionPage = /^\/model-versions\/(\d+)\/?$/.exec(url.pathname);
  if (versionPage !== null) {
    const versionId = positiveInt(versionPage[1]);
    return { kind: "civitai", url: downloadUrl(url.origin, versionId ?? 0, {}), origin: url.origin, modelId: null, versionId, selectors: {} };
  }
  throw new DownloadFailure("unsupported_link", `unsupported CivitAI link ${url.pathname}: paste a model page, a ?modelVersionId= link or a download link`, { url: url.toString() });
}

/** Builds a CivitAI download API URL; `fileId` wins over the metadata selectors, as the route itself prefers it. */
export function downloadUrl(origin: string, versionId: number, selectors: CivitaiSelectors): string {
  const url = new URL(`/api/download/models/${versionId}`, origin);
  if (selectors.fileId !== undefined) {
    url.searchParams.set("fileId", String(selectors.fileId));
    return url.toString();
  }
  for (const key of ["type", "format", "size", "fp"] as const) {
    const value = selectors[key];
    if (value !== undefined) {
      url.searchParams.set(key, value);
    }
  }
  return url.toString();
}

function normaliseHuggingFace(url: URL, endpoint: string): NormalisedLink {
  // Optional datasets/ or spaces/ prefix, then owner/name, then blob|resolve, revision, path.
  const match = /^\/((?:datasets\/|spaces\/)?[^/]+\/[^/]+)\/(?:blob|resolve)\/([^/]+)\/(.+)$/.exec(url.pathname);
  if (match === null) {
    throw new DownloadFailure("unsupported_link", `unsupported Hugging Face link ${url.pathname}: paste a file link (…/blob/<revision>/<file> or …/resolve/<revision>/<file>)`, { url: url.toString() });
  }
  const repo = match[1] ?? "";
  const revision = decodeURIComponent(match[2] ?? "main");
  const path = decodeURIComponent(match[3] ?? "");
  const resolved = `${endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${path.split("/").map(encodeURIComponent).join("/")}`;
  return { kind: "huggingface", url: resolved, origin: endpoint, repo, revision, path };
}

function normaliseModelScope(url: URL): NormalisedLink {
  const api = /^\/api\/v1\/models\/([^/]+\/[^/]+)\/repo\/?$/.exec(url.pathname);
  if (api !== null) {
    const path = url.searchParams.get("FilePath") ?? "";
    if (path === "") {
      throw new DownloadFailure("unsupported_link", "ModelScope repo link without FilePath: pick a file", { url: url.toString() });
    }
    return modelScopeResolve(url.origin, api[1] ?? "", url.searchParams.get("Revision") ?? "master", path);
  }
  const page = /^\/models\/([^/]+\/[^/]+)\/(?:file\/view|resolve|blob)\/([^/]+)\/(.+)$/.exec(url.pathname);
  if (page !== null) {
    return modelScopeResolve(url.origin, page[1] ?? "", decodeURIComponent(page[2] ?? "master"), decodeURIComponent(page[3] ?? ""));
  }
  throw new DownloadFailure("unsupported_link", `unsupported ModelScope link ${url.pathname}: paste a file link`, { url: url.toString() });
}

function modelScopeResolve(origin: string, repo: string, revision: string, path: string): NormalisedLink {
  const resolved = `${origin}/models/${repo}/resolve/${encodeURIComponent(revision)}/${path.split("/").map(encodeURIComponent).join("/")}`;
  return { kind: "modelscope", url: resolved, origin, repo, revision, path };
}
