import { z } from "zod";

import { DownloadFailure, tokenRequired } from "./failure.js";
import type { HostKind, HostRegistry, TokenSource } from "./hosts.js";

const whoamiSchema = z.object({
  auth: z.object({
    accessToken: z
      .object({
        role: z.string(),
        fineGrained: z.object({ canReadGatedRepos: z.boolean().optional() }).optional(),
      })
      .optional(),
  }),
});

export interface ErrorContext {
  hosts: HostRegistry;
  tokens: TokenSource;
  userAgent: string;
  timeoutMs: number;
  /** Host the user's link points at, named in token errors. */
  host: string;
  kind: HostKind | null;
  /** For Hugging Face: `owner/name` and the repo page on the endpoint. */
  repo?: string;
  repoPage?: string;
}

/** Turns a non-2xx response while resolving a link into a failure with a message the user can act on. */
export async function failureFromResponse(response: Response, context: ErrorContext): Promise<DownloadFailure> {
  if (context.kind === "huggingface") {
    return huggingFaceFailure(response, context);
  }
  const body = await response.text().catch(() => "");
  const status = response.status;
  if (status === 403 && /"error"\s*:\s*"Early Access"/.test(body)) {
    return new DownloadFailure("early_access", `this CivitAI version is in early access; buy access on ${context.host} or wait for it to end`, { host: context.host });
  }
  if ((status === 401 || status === 403) && context.kind !== null) {
    return tokenRequired(context.host);
  }
  if (status === 404) {
    return new DownloadFailure("not_found", `${context.host} has no such file (404)`, { host: context.host });
  }
  if (status === 410) {
    return new DownloadFailure("gone", `the model on ${context.host} was archived and cannot be downloaded (410)`, { host: context.host });
  }
  if (status === 429) {
    return new DownloadFailure("rate_limited", `${context.host} is rate limiting downloads (429); it will be retried later`, { host: context.host }, true);
  }
  return new DownloadFailure("http_error", `${context.host} returned HTTP ${status}`, { host: context.host, status }, status >= 500);
}

/**
 * Hugging Face errors are classified by `X-Error-Code`, as huggingface_hub does, because
 * 401 can mean a missing repo as well as a gate. The two 403 gate cases are distinguished by
 * asking `/api/whoami-v2` whether the token is fine-grained without gated-repo access.
 */
async function huggingFaceFailure(response: Response, context: ErrorContext): Promise<DownloadFailure> {
  await response.body?.cancel();
  const code = response.headers.get("x-error-code");
  const message = response.headers.get("x-error-message") ?? "";
  const repo = context.repo ?? "";
  const page = context.repoPage ?? context.host;

  if (response.status === 401 && message === "Invalid credentials in Authorization header") {
    return tokenRequired(context.host);
  }
  if (code === "GatedRepo" && response.status === 401) {
    return new DownloadFailure("hf_token_missing", `${repo} is a gated repository: add a Hugging Face token in Settings → Tokens`, { repo, repo_url: page, setting: "tokens" });
  }
  if (code === "GatedRepo" && response.status === 403) {
    if (await isFineGrainedWithoutGatedAccess(context)) {
      return new DownloadFailure("hf_token_gated_disabled", `enable gated-repo access on the token: in the Hugging Face token settings, allow "Read access to contents of all public gated repos you can access", then retry ${repo}`, { repo, repo_url: page });
    }
    return new DownloadFailure("hf_terms_not_accepted", `accept the license on ${page}, then retry`, { repo, repo_url: page });
  }
  if (code === "RepoNotFound") {
    const hint = response.status === 401 ? "; if it is private, add a Hugging Face token" : "";
    return new DownloadFailure("not_found", `Hugging Face repository ${repo} not found${hint}`, { repo });
  }
  if (code === "EntryNotFound" || code === "RevisionNotFound") {
    return new DownloadFailure("not_found", `Hugging Face: ${message || code} in ${repo}`, { repo });
  }
  if (response.status === 429) {
    return new DownloadFailure("rate_limited", `${context.host} is rate limiting downloads (429); it will be retried later`, { host: context.host }, true);
  }
  return new DownloadFailure("http_error", `${context.host} returned HTTP ${response.status}${message === "" ? "" : `: ${message}`}`, { host: context.host, status: response.status }, response.status >= 500);
}

async function isFineGrainedWithoutGatedAccess(context: ErrorContext): Promise<boolean> {
  const url = new URL("/api/whoami-v2", context.hosts.hfEndpoint);
  const headers = context.hosts.authHeaders(url, context.tokens);
  if (headers.Authorization === undefined) {
    return false;
  }
  try {
    const response = await fetch(url, { headers: { ...headers, "User-Agent": context.userAgent }, redirect: "error", signal: AbortSignal.timeout(context.timeoutMs) });
    if (!response.ok) {
      return false;
    }
    const token = whoamiSchema.parse(await response.json()).auth.accessToken;
    return token?.role === "fineGrained" && token.fineGrained?.canReadGatedRepos !== true;
  } catch {
    return false;
  }
}
