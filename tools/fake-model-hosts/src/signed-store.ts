import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

import { listenLoopback, logRequests, sendText, serveFile } from "./http.js";
import type { LoggedRequest, RunningServer } from "./http.js";
import type { SyntheticFile } from "./synthetic-file.js";

/** A clock tests can move forward, so a 60 s expiry passes without waiting 60 s. */
export class FakeClock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/**
 * URL style of the store: "s3" is a presigned S3/R2 URL (`X-Amz-*`, as CivitAI's storage
 * issues), "cloudfront" a CloudFront-signed URL (`Expires`, `Signature`, `Key-Pair-Id`, as
 * Hugging Face's LFS CDN issues).
 */
export type SignedUrlStyle = "s3" | "cloudfront";

export interface StoredObject {
  file: SyntheticFile;
  /** Served instead of the file's bytes, to model a store that returns an HTML page. */
  bodyOverride?: Buffer;
}

export interface SignedStoreOptions {
  style: SignedUrlStyle;
  clock: FakeClock;
  /** Per-connection bandwidth cap in bytes per second; 0 means uncapped. */
  bytesPerSecond: number;
}

/**
 * A second loopback host that serves objects only through signed, expiring URLs. It
 * rejects any request carrying an `Authorization` header, as S3/R2 reject a second auth
 * mechanism, and logs every request so tests can check no credential reached it.
 */
export class SignedStore {
  readonly requests: LoggedRequest[] = [];
  /** When false, HEAD on a GET-signed URL returns 403, as S3 does. */
  headAllowed = false;
  private readonly objects = new Map<string, StoredObject>();
  private readonly open = new Set<ServerResponse>();
  private readonly secret = randomBytes(32);
  private running: RunningServer | null = null;

  constructor(private readonly options: SignedStoreOptions) {}

  get origin(): string {
    if (this.running === null) {
      throw new Error("signed store is not started: call start() first");
    }
    return this.running.origin;
  }

  set bytesPerSecond(value: number) {
    this.options.bytesPerSecond = value;
  }

  async start(): Promise<void> {
    this.running = await listenLoopback((req, res) => this.handle(req, res));
  }

  async close(): Promise<void> {
    await this.running?.close();
    this.running = null;
  }

  /** Cuts every response in progress, as a network blip does; clients must reconnect. */
  dropConnections(): void {
    for (const res of this.open) {
      res.destroy();
    }
  }

  put(key: string, object: StoredObject): void {
    this.objects.set(key, object);
  }

  /** Signs a URL for `key`, valid for `ttlMs`, whose response carries `disposition` as Content-Disposition. */
  sign(key: string, ttlMs: number, disposition: string): string {
    const path = `/${encodeURI(key)}`;
    const expiresAt = this.options.clock.now() + ttlMs;
    const url = new URL(path, this.origin);
    if (this.options.style === "s3") {
      const date = new Date(this.options.clock.now()).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
      url.searchParams.set("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
      url.searchParams.set("X-Amz-Credential", `FAKEKEY/${date.slice(0, 8)}/us-east-1/s3/aws4_request`);
      url.searchParams.set("X-Amz-Date", date);
      url.searchParams.set("X-Amz-Expires", String(Math.round(ttlMs / 1000)));
      url.searchParams.set("X-Amz-SignedHeaders", "host");
      url.searchParams.set("response-content-disposition", disposition);
      url.searchParams.set("x-fake-expires-ms", String(expiresAt));
      url.searchParams.set("X-Amz-Signature", this.signature(path, expiresAt, disposition));
    } else {
      url.searchParams.set("response-content-disposition", disposition);
      url.searchParams.set("Expires", String(Math.floor(expiresAt / 1000)));
      url.searchParams.set("x-fake-expires-ms", String(expiresAt));
      url.searchParams.set("Signature", this.signature(path, expiresAt, disposition));
      url.searchParams.set("Key-Pair-Id", "KFAKEPAIR0000");
    }
    return url.toString();
  }

  private signature(path: string, expiresAt: number, disposition: string): string {
    return createHmac("sha256", this.secret).update(`${path}\n${expiresAt}\n${disposition}`).digest("hex");
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    logRequests(this.requests, req, res);
    this.open.add(res);
    res.on("close", () => this.open.delete(res));
    const url = new URL(req.url ?? "/", "http://store.invalid");
    if (req.headers.authorization !== undefined) {
      this.deny(res, 400, "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified");
      return;
    }

    const disposition = url.searchParams.get("response-content-disposition") ?? "";
    const expiresAt = Number(url.searchParams.get("x-fake-expires-ms"));
    const given = url.searchParams.get(this.options.style === "s3" ? "X-Amz-Signature" : "Signature") ?? "";
    const expected = this.signature(url.pathname, expiresAt, disposition);
    if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
      this.deny(res, 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.");
      return;
    }
    if (this.options.clock.now() > expiresAt) {
      this.deny(res, 403, "AccessDenied", "Request has expired");
      return;
    }
    if (req.method === "HEAD" && !this.headAllowed) {
      this.deny(res, 403, "SignatureDoesNotMatch", "The URL was signed for GET.");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      this.deny(res, 405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
      return;
    }

    const object = this.objects.get(decodeURI(url.pathname.slice(1)));
    if (object === undefined) {
      this.deny(res, 404, "NoSuchKey", "The specified key does not exist.");
      return;
    }
    serveFile(req, res, {
      file: object.file,
      headers: { "Content-Disposition": disposition, ETag: `"${url.pathname.length.toString(16)}-${object.file.size}"` },
      bytesPerSecond: this.options.bytesPerSecond,
      ...(object.bodyOverride === undefined ? {} : { bodyOverride: object.bodyOverride }),
    });
  }

  private deny(res: ServerResponse, status: number, code: string, message: string): void {
    sendText(res, status, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`, "application/xml");
  }
}
