import type { IncomingMessage, ServerResponse } from "node:http";

import { listenLoopback, logRequests, sendJson, sendText } from "../http.js";
import type { LoggedRequest, RunningServer } from "../http.js";
import { FakeClock, SignedStore } from "../signed-store.js";
import { formatModel, formatVersion } from "./catalog.js";
import type { CivitaiFileSpec, CivitaiModelSpec, CivitaiVersionSpec } from "./catalog.js";
import { selectFile } from "./select-file.js";
import { searchModels } from "./search.js";

export interface FakeCivitaiOptions {
  models: CivitaiModelSpec[];
  /** API keys the fake accepts; any other token is treated as anonymous, as CivitAI does. */
  tokens?: string[];
  /** Tokens whose user has bought early access to every gated version. */
  earlyAccessBuyers?: string[];
  /** Per-connection cap of the object store in bytes per second; 0 means uncapped. */
  bytesPerSecond?: number;
  /** Lifetime of presigned object-store URLs; 60 s unless set. */
  presignTtlMs?: number;
  /**
   * Response to a non-browser client without a session when login is required:
   * "json-401" as CivitAI's route does, or "html-200" with the sign-in page, which is what
   * clients behind a browser User-Agent or a proxy end up saving.
   */
  loginRequiredAnswer?: "json-401" | "html-200";
  clock?: FakeClock;
}

const BROWSER_AGENT = /mozilla|chrome|safari|firefox|opera|edge/;
const PUBLIC_CACHE = { "Cache-Control": "public, s-maxage=300, stale-while-revalidate=150", "Access-Control-Allow-Origin": "*" };

export const SIGN_IN_PAGE = "<!DOCTYPE html><html><head><title>Sign in | Civitai</title></head><body><h1>Sign in to Civitai</h1><form action=\"/api/auth/signin\"></form></body></html>";

/** A fake CivitAI on loopback: REST API, download route with a 307 to a presigned object store. */
export class FakeCivitai {
  readonly requests: LoggedRequest[] = [];
  readonly clock: FakeClock;
  readonly store: SignedStore;
  /** Download-route hits per version id, HEAD included, as CivitAI counts them. */
  readonly downloadCounts = new Map<number, number>();
  private running: RunningServer | null = null;

  constructor(private readonly options: FakeCivitaiOptions) {
    this.clock = options.clock ?? new FakeClock();
    this.store = new SignedStore({ style: "s3", clock: this.clock, bytesPerSecond: options.bytesPerSecond ?? 0 });
  }

  get origin(): string {
    if (this.running === null) {
      throw new Error("fake CivitAI is not started: call start() first");
    }
    return this.running.origin;
  }

  set loginRequiredAnswer(value: "json-401" | "html-200") {
    this.options.loginRequiredAnswer = value;
  }

  async start(): Promise<void> {
    await this.store.start();
    for (const model of this.options.models) {
      for (const version of model.versions) {
        for (const file of version.files) {
          this.store.put(storeKey(version, file), { file: file.file, ...(file.bodyOverride === undefined ? {} : { bodyOverride: file.bodyOverride }) });
        }
      }
    }
    this.running = await listenLoopback((req, res) => {
      logRequests(this.requests, req, res);
      this.route(req, res).catch((error: unknown) => {
        sendJson(res, 500, { error: String(error) });
      });
    });
  }

  async close(): Promise<void> {
    await this.running?.close();
    this.running = null;
    await this.store.close();
  }

  private session(req: IncomingMessage, url: URL): string | null {
    // An Authorization header wins, and ?token= is then ignored even if the header is unusable.
    const header = req.headers.authorization;
    const token = header !== undefined ? header.split(" ")[1] : url.searchParams.get("token");
    return token !== undefined && token !== null && (this.options.tokens ?? []).includes(token) ? token : null;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.origin);
    const origin = `http://${req.headers.host ?? new URL(this.origin).host}`;
    const session = this.session(req, url);
    const path = url.pathname;
    let match: RegExpExecArray | null;

    if (path === "/api/v1/models") {
      this.listModels(req, res, url, origin, session);
      return;
    }
    if ((match = /^\/api\/v1\/models\/([^/]+)$/.exec(path)) !== null) {
      await this.getModel(req, res, match[1] ?? "");
      return;
    }
    if ((match = /^\/api\/v1\/model-versions\/by-hash\/([^/]+)$/.exec(path)) !== null) {
      await this.getByHash(res, origin, match[1] ?? "");
      return;
    }
    if ((match = /^\/api\/v1\/model-versions\/([^/]+)$/.exec(path)) !== null) {
      await this.getVersion(req, res, origin, match[1] ?? "");
      return;
    }
    if ((match = /^\/api\/download\/models\/([^/]+)$/.exec(path)) !== null) {
      this.download(req, res, url, session, match[1] ?? "");
      return;
    }
    if (path === "/login" || path.startsWith("/models/") || path.startsWith("/model-versions/")) {
      sendText(res, 200, SIGN_IN_PAGE, "text/html; charset=utf-8");
      return;
    }
    sendJson(res, 404, { error: "Not found" });
  }

  private listModels(req: IncomingMessage, res: ServerResponse, url: URL, origin: string, session: string | null): void {
    if (req.method !== "GET") {
      sendJson(res, 405, { error: "Method not allowed" });
      return;
    }
    const outcome = searchModels(this.options.models, url.searchParams, session !== null);
    if (outcome.kind === "error") {
      sendJson(res, outcome.status, { error: outcome.error });
      return;
    }
    void Promise.all(outcome.models.map((model) => formatModel(origin, model))).then((items) => {
      const metadata: Record<string, unknown> = {};
      if (outcome.nextOffset !== null) {
        const next = new URL(url);
        next.searchParams.delete("page");
        next.searchParams.set("cursor", String(outcome.nextOffset));
        metadata.nextCursor = String(outcome.nextOffset);
        metadata.nextPage = `${origin}${next.pathname}${next.search}`;
      }
      if (outcome.page !== null) {
        metadata.currentPage = outcome.page;
        metadata.pageSize = outcome.limit;
      }
      sendJson(res, 200, { items, metadata }, session === null ? PUBLIC_CACHE : {});
    });
  }

  private async getModel(req: IncomingMessage, res: ServerResponse, rawId: string): Promise<void> {
    const id = parseId(rawId);
    if (id === null) {
      sendJson(res, 400, { error: `Invalid id: ${rawId}` });
      return;
    }
    const model = this.options.models.find((m) => m.id === id);
    if (model === undefined) {
      sendJson(res, 404, req.method === "HEAD" ? {} : { error: `No model with id ${id}` });
      return;
    }
    sendJson(res, 200, await formatModel(this.origin, model), PUBLIC_CACHE);
  }

  private async getVersion(req: IncomingMessage, res: ServerResponse, origin: string, rawId: string): Promise<void> {
    if (req.method !== "GET") {
      sendJson(res, 405, { error: "Method not allowed" });
      return;
    }
    const id = parseId(rawId);
    if (id === null) {
      sendJson(res, 400, { error: `Invalid id: ${rawId}` });
      return;
    }
    const found = this.findVersion(id);
    if (found === null) {
      sendJson(res, 404, { error: "Model not found" });
      return;
    }
    sendJson(res, 200, await formatVersion(origin, found.model, found.version), PUBLIC_CACHE);
  }

  private async getByHash(res: ServerResponse, origin: string, rawHash: string): Promise<void> {
    const hash = rawHash.toUpperCase();
    for (const model of this.options.models) {
      for (const version of model.versions) {
        for (const file of version.files) {
          const sha = (file.publishedSha256 ?? (await file.file.sha256())).toUpperCase();
          if (sha === hash || sha.slice(0, 10) === hash) {
            sendJson(res, 200, await formatVersion(origin, model, version), { "Cache-Control": "public, s-maxage=3600, stale-while-revalidate=1800" });
            return;
          }
        }
      }
    }
    sendJson(res, 404, { error: "Model not found" });
  }

  private download(req: IncomingMessage, res: ServerResponse, url: URL, session: string | null, rawId: string): void {
    const browser = BROWSER_AGENT.test((req.headers["user-agent"] ?? "").toLowerCase());
    const fail = (status: number, message: string): void => {
      if (browser) {
        sendText(res, status, message, "text/plain; charset=utf-8");
      } else {
        sendJson(res, status, { error: message });
      }
    };

    const id = parseId(rawId);
    if (id === null) {
      sendJson(res, 400, { error: `Invalid modelVersionId: ${rawId}` });
      return;
    }
    this.downloadCounts.set(id, (this.downloadCounts.get(id) ?? 0) + 1);
    const found = this.findVersion(id);
    if (found === null) {
      fail(404, "File not found");
      return;
    }
    const { model, version } = found;
    if (model.mode === "Archived") {
      fail(410, "Model archived, not available for download");
      return;
    }
    if ((version.usageControl ?? "Download") !== "Download") {
      sendJson(res, 401, { error: "Unauthorized", message: "The creator of this asset has disabled downloads on this file" });
      return;
    }
    if (version.requireAuth === true && session === null) {
      this.answerLoginRequired(res, browser, version.id);
      return;
    }
    if (version.earlyAccessDeadline !== undefined && !(session !== null && (this.options.earlyAccessBuyers ?? []).includes(session))) {
      if (browser) {
        res.writeHead(307, { Location: `/model-versions/${version.id}` }).end();
      } else {
        sendJson(res, 403, { error: "Early Access", deadline: version.earlyAccessDeadline, message: "This asset is in Early Access. You can use Buzz access it now!" });
      }
      return;
    }

    const file = selectFile(version, url.searchParams);
    if (file === null) {
      fail(404, "File not found");
      return;
    }
    const location = this.store.sign(storeKey(version, file), this.options.presignTtlMs ?? 60_000, `attachment; filename="${file.name}"`);
    sendText(res, 307, location, "text/plain; charset=utf-8", { Location: location, "Cache-Control": "no-store, max-age=0" });
  }

  private answerLoginRequired(res: ServerResponse, browser: boolean, versionId: number): void {
    if (browser) {
      res.writeHead(307, { Location: `/login?returnUrl=%2Fmodel-versions%2F${versionId}&reason=download-auth` }).end();
      return;
    }
    if (this.options.loginRequiredAnswer === "html-200") {
      sendText(res, 200, SIGN_IN_PAGE, "text/html; charset=utf-8");
      return;
    }
    sendJson(res, 401, { error: "Unauthorized", message: "The creator of this asset requires you to be logged in to download it" });
  }

  private findVersion(id: number): { model: CivitaiModelSpec; version: CivitaiVersionSpec } | null {
    for (const model of this.options.models) {
      const version = model.versions.find((v) => v.id === id);
      if (version !== undefined) {
        return { model, version };
      }
    }
    return null;
  }
}

function storeKey(version: CivitaiVersionSpec, file: CivitaiFileSpec): string {
  return `civitai-modelfiles/model/${version.id}/${file.id}.bin`;
}

function parseId(raw: string): number | null {
  const id = Number(raw);
  return /^\d+$/.test(raw) && Number.isInteger(id) && id > 0 && id <= 2_147_483_647 ? id : null;
}
