import type { IncomingMessage, ServerResponse } from "node:http";

import { listenLoopback, logRequests, sendJson, sendText, serveFile } from "../http.js";
import type { LoggedRequest, RunningServer } from "../http.js";
import { FakeClock, SignedStore } from "../signed-store.js";
import { formatModelInfo, gitBlobId, listTree } from "./repos.js";
import type { HfFileSpec, HfRepoSpec, HfTokenSpec } from "./repos.js";

export interface FakeHuggingFaceOptions {
  repos: HfRepoSpec[];
  tokens?: HfTokenSpec[];
  /** Per-connection cap in bytes per second for the Hub and its CDN; 0 means uncapped. */
  bytesPerSecond?: number;
  /** Lifetime of signed CDN URLs; 1 h unless set. */
  cdnTtlMs?: number;
  /** Entries per tree page before a `Link: rel="next"` header is sent. */
  treePageSize?: number;
  clock?: FakeClock;
}

export const INVALID_CREDENTIALS = "Invalid credentials in Authorization header";

type Caller = { kind: "anonymous" } | { kind: "invalid" } | { kind: "user"; token: HfTokenSpec };

/** A fake Hugging Face Hub on loopback with a CDN host for LFS files; usable as any `HF_ENDPOINT`. */
export class FakeHuggingFace {
  readonly requests: LoggedRequest[] = [];
  readonly clock: FakeClock;
  readonly cdn: SignedStore;
  private running: RunningServer | null = null;

  constructor(private readonly options: FakeHuggingFaceOptions) {
    this.clock = options.clock ?? new FakeClock();
    this.cdn = new SignedStore({ style: "cloudfront", clock: this.clock, bytesPerSecond: options.bytesPerSecond ?? 0 });
  }

  get origin(): string {
    if (this.running === null) {
      throw new Error("fake Hugging Face is not started: call start() first");
    }
    return this.running.origin;
  }

  async start(): Promise<void> {
    await this.cdn.start();
    for (const repo of this.options.repos) {
      for (const spec of repo.files) {
        this.cdn.put(cdnKey(repo, spec), { file: spec.file });
      }
    }
    this.running = await listenLoopback((req, res) => {
      logRequests(this.requests, req, res);
      this.route(req, res).catch((error: unknown) => sendJson(res, 500, { error: String(error) }));
    });
  }

  async close(): Promise<void> {
    await this.running?.close();
    this.running = null;
    await this.cdn.close();
  }

  private caller(req: IncomingMessage): Caller {
    const header = req.headers.authorization;
    if (header === undefined) {
      return { kind: "anonymous" };
    }
    const token = /^Bearer (\S+)$/.exec(header)?.[1];
    const spec = (this.options.tokens ?? []).find((t) => t.token === token);
    return spec === undefined ? { kind: "invalid" } : { kind: "user", token: spec };
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.origin);
    const caller = this.caller(req);
    if (caller.kind === "invalid") {
      hubError(req, res, 401, null, INVALID_CREDENTIALS);
      return;
    }
    const path = url.pathname;
    let match: RegExpExecArray | null;

    if (path === "/api/whoami-v2") {
      this.whoami(res, caller);
      return;
    }
    if ((match = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)(?:\/(.*))?$/.exec(path)) !== null) {
      await this.tree(req, res, url, caller, match[1] ?? "", decodeURIComponent(match[2] ?? ""), decodeURIComponent(match[3] ?? ""));
      return;
    }
    if ((match = /^\/api\/models\/([^/]+\/[^/]+)(?:\/revision\/([^/]+))?$/.exec(path)) !== null) {
      const repo = this.visibleRepo(req, res, caller, match[1] ?? "");
      if (repo !== null && this.checkRevision(req, res, repo, decodeURIComponent(match[2] ?? "main"))) {
        sendJson(res, 200, await formatModelInfo(repo, url.searchParams.get("blobs") === "true"));
      }
      return;
    }
    if ((match = /^\/api\/resolve-cache\/models\/([^/]+\/[^/]+)\/([0-9a-f]{40})\/(.+)$/.exec(path)) !== null) {
      this.resolve(req, res, url, caller, match[1] ?? "", match[2] ?? "", decodeURIComponent(match[3] ?? ""), true);
      return;
    }
    if ((match = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path)) !== null) {
      this.resolve(req, res, url, caller, match[1] ?? "", decodeURIComponent(match[2] ?? ""), decodeURIComponent(match[3] ?? ""), false);
      return;
    }
    if (/^\/[^/]+\/[^/]+\/blob\//.test(path)) {
      sendText(res, 200, "<!DOCTYPE html><html><head><title>File viewer</title></head><body><pre>file page</pre></body></html>", "text/html; charset=utf-8");
      return;
    }
    hubError(req, res, 404, null, "Sorry, we can't find the page you are looking for.");
  }

  private whoami(res: ServerResponse, caller: Caller): void {
    if (caller.kind !== "user") {
      sendJson(res, 401, { error: "Invalid username or password." });
      return;
    }
    const { token } = caller;
    const accessToken: Record<string, unknown> = { displayName: "fake", role: token.role, createdAt: "2026-11-02T09:00:00.000Z" };
    if (token.role === "fineGrained") {
      accessToken.fineGrained = { canReadGatedRepos: token.canReadGatedRepos === true, global: [], scoped: [] };
    }
    sendJson(res, 200, { type: "user", id: "64b2f0c1e4b0a1b2c3d4e5f6", name: token.user, fullname: token.user, orgs: [], auth: { type: "access_token", accessToken } });
  }

  /** Returns the repo when the caller may see it; otherwise sends RepoNotFound (401 anonymous, 404 signed in). */
  private visibleRepo(req: IncomingMessage, res: ServerResponse, caller: Caller, id: string): HfRepoSpec | null {
    const repo = this.options.repos.find((r) => r.id === id);
    const member = caller.kind === "user" && (repo?.members ?? []).includes(caller.token.user);
    if (repo === undefined || (repo.private === true && !member)) {
      hubError(req, res, caller.kind === "anonymous" ? 401 : 404, "RepoNotFound", "Repository not found");
      return null;
    }
    return repo;
  }

  private checkRevision(req: IncomingMessage, res: ServerResponse, repo: HfRepoSpec, revision: string): boolean {
    if (revision === "main" || revision === repo.sha) {
      return true;
    }
    hubError(req, res, 404, "RevisionNotFound", `Invalid rev id: ${revision}`);
    return false;
  }

  private async tree(req: IncomingMessage, res: ServerResponse, url: URL, caller: Caller, id: string, revision: string, prefix: string): Promise<void> {
    const repo = this.visibleRepo(req, res, caller, id);
    if (repo === null || !this.checkRevision(req, res, repo, revision)) {
      return;
    }
    const entries = await listTree(repo, prefix, url.searchParams.get("recursive") === "true");
    if (entries === null) {
      hubError(req, res, 404, "EntryNotFound", `${prefix} does not exist on "${revision}"`);
      return;
    }
    const pageSize = this.options.treePageSize ?? 50;
    const offset = Number(url.searchParams.get("cursor") ?? "0") || 0;
    const headers: Record<string, string> = {};
    if (offset + pageSize < entries.length) {
      const next = new URL(url);
      next.searchParams.set("cursor", String(offset + pageSize));
      headers.Link = `<${next.toString()}>; rel="next"`;
    }
    sendJson(res, 200, entries.slice(offset, offset + pageSize), headers);
  }

  private resolve(req: IncomingMessage, res: ServerResponse, url: URL, caller: Caller, id: string, revision: string, filePath: string, fromCache: boolean): void {
    const renamed = this.options.repos.find((r) => (r.renamedFrom ?? []).includes(id));
    if (renamed !== undefined && !fromCache) {
      res.writeHead(307, { Location: `/${renamed.id}/resolve/${encodeURIComponent(revision)}/${encodeURI(filePath)}` }).end();
      return;
    }
    const repo = this.visibleRepo(req, res, caller, id);
    if (repo === null || !this.checkRevision(req, res, repo, revision)) {
      return;
    }
    const spec = repo.files.find((f) => f.path === filePath);
    if (spec === undefined) {
      hubError(req, res, 404, "EntryNotFound", "Entry not found", { "X-Repo-Commit": repo.sha });
      return;
    }
    if (!this.passesGate(req, res, caller, repo)) {
      return;
    }

    const name = filePath.split("/").pop() ?? filePath;
    const disposition = `${url.searchParams.get("download") === "true" ? "attachment" : "inline"}; filename*=UTF-8''${encodeURIComponent(name)}; filename="${name}";`;
    if (spec.lfs) {
      void this.redirectToCdn(res, repo, spec, disposition);
      return;
    }
    const direct = fromCache || repo.private === true || (repo.gated ?? false) !== false || !repo.id.includes("/") || spec.file.size === 0;
    if (!direct) {
      const etag = `"${gitBlobId(spec)}"`;
      const location = `/api/resolve-cache/models/${repo.id}/${repo.sha}/${encodeURI(filePath)}?${encodeURIComponent(`/${repo.id}/resolve/${revision}/${filePath}`)}=&etag=${encodeURIComponent(etag)}`;
      sendText(res, 307, `Temporary Redirect. Redirecting to ${location}`, "text/plain; charset=utf-8", { Location: location });
      return;
    }
    serveFile(req, res, {
      file: spec.file,
      headers: { ETag: `"${gitBlobId(spec)}"`, "X-Repo-Commit": repo.sha, "Content-Disposition": disposition },
      bytesPerSecond: this.options.bytesPerSecond ?? 0,
    });
  }

  /** Applies the gate: 401 without a token, 403 for a fine-grained token without gated access, 403 when not accepted. */
  private passesGate(req: IncomingMessage, res: ServerResponse, caller: Caller, repo: HfRepoSpec): boolean {
    if ((repo.gated ?? false) === false) {
      return true;
    }
    if (caller.kind !== "user") {
      hubError(req, res, 401, "GatedRepo", `Access to model ${repo.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`);
      return false;
    }
    if (caller.token.role === "fineGrained" && caller.token.canReadGatedRepos !== true) {
      hubError(req, res, 403, "GatedRepo", `Access to model ${repo.id} is restricted. The fine-grained token used does not have the permission to read public gated repositories.`);
      return false;
    }
    if (!(repo.acceptedUsers ?? []).includes(caller.token.user)) {
      hubError(req, res, 403, "GatedRepo", `Access to model ${repo.id} is restricted and you are not in the authorized list. Visit ${this.origin}/${repo.id} to ask for access.`);
      return false;
    }
    return true;
  }

  private async redirectToCdn(res: ServerResponse, repo: HfRepoSpec, spec: HfFileSpec, disposition: string): Promise<void> {
    const sha256 = await spec.file.sha256();
    const location = this.cdn.sign(cdnKey(repo, spec), this.options.cdnTtlMs ?? 3_600_000, disposition);
    sendText(res, 302, `Found. Redirecting to ${location}`, "text/plain; charset=utf-8", {
      Location: location,
      "X-Repo-Commit": repo.sha,
      "X-Linked-Etag": `"${sha256}"`,
      "X-Linked-Size": String(spec.file.size),
      ETag: `"${gitBlobId(spec)}"`,
    });
  }
}

function cdnKey(repo: HfRepoSpec, spec: HfFileSpec): string {
  return `repos/${repo.id}/${spec.path}`;
}

/** Sends a Hub error with `X-Error-Code`/`X-Error-Message` headers, on HEAD too, and a JSON body on GET. */
function hubError(req: IncomingMessage, res: ServerResponse, status: number, code: string | null, message: string, extra: Record<string, string> = {}): void {
  const headers: Record<string, string> = { "X-Error-Message": message, ...extra };
  if (code !== null) {
    headers["X-Error-Code"] = code;
  }
  if (req.method === "HEAD") {
    res.writeHead(status, headers).end();
    return;
  }
  sendJson(res, status, { error: message }, headers);
}
