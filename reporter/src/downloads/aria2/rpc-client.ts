import { randomUUID } from "node:crypto";
import { z } from "zod";

import { plainFetch } from "../../http/plain-fetch.js";

/**
 * A small typed JSON-RPC client for aria2 over HTTP. The npm `aria2` client is untyped and
 * last released in 2020; aria2's HTTP interface needs only a POST per call, and every
 * answer is parsed with zod here instead of being cast.
 */
export class Aria2Rpc {
  constructor(
    private readonly endpoint: string,
    private readonly secret: string,
    private readonly timeoutMs = 5_000,
  ) {}

  async call<T>(method: string, params: unknown[], schema: z.ZodType<T>): Promise<T> {
    const response = await plainFetch(this.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: randomUUID(), method, params: [`token:${this.secret}`, ...params] }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const envelope = envelopeSchema.parse(await response.json());
    if (envelope.error !== undefined) {
      throw new Aria2RpcError(method, envelope.error.code, envelope.error.message);
    }
    return schema.parse(envelope.result);
  }

  getVersion(): Promise<{ version: string }> {
    return this.call("aria2.getVersion", [], z.object({ version: z.string() }));
  }

  addUri(uris: string[], options: Record<string, string | string[]>): Promise<string> {
    return this.call("aria2.addUri", [uris, options], z.string());
  }

  tellStatus(gid: string): Promise<Aria2Status> {
    return this.call("aria2.tellStatus", [gid, STATUS_KEYS], statusSchema);
  }

  /** Stops a download and keeps its file and control file, so it can resume later. */
  async remove(gid: string): Promise<void> {
    await this.call("aria2.remove", [gid], z.string());
  }

  async forceRemove(gid: string): Promise<void> {
    await this.call("aria2.forceRemove", [gid], z.string());
  }

  async removeDownloadResult(gid: string): Promise<void> {
    await this.call("aria2.removeDownloadResult", [gid], z.string());
  }
}

export class Aria2RpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
  ) {
    super(`aria2 ${method} failed: ${message}`);
    this.name = "Aria2RpcError";
  }
}

const envelopeSchema = z.object({
  result: z.unknown().optional(),
  error: z.object({ code: z.number(), message: z.string() }).optional(),
});

const STATUS_KEYS = ["gid", "status", "totalLength", "completedLength", "downloadSpeed", "errorCode", "errorMessage"];

const numeric = z.string().regex(/^\d+$/).transform(Number);

const statusSchema = z.object({
  gid: z.string(),
  status: z.enum(["active", "waiting", "paused", "error", "complete", "removed"]),
  totalLength: numeric,
  completedLength: numeric,
  downloadSpeed: numeric,
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
});
export type Aria2Status = z.infer<typeof statusSchema>;
