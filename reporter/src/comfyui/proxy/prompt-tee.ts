import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";

import { z } from "zod";

import type { Logger } from "../../log/logger.js";
import { QUEUED_PROMPT_SOURCE, queuedPromptFrame } from "../queued-prompt.js";
import { promptGraphSchema } from "../schemas.js";
import type { PromptGraph } from "../schemas.js";

/** Copy limit of a `POST /prompt` body; a larger body is forwarded but not read. */
const MAX_BODY_COPY_BYTES = 16 * 1024 * 1024;

/** Copy limit of ComfyUI's response body, which is `{prompt_id, number, node_errors}` on success. */
const MAX_RESPONSE_COPY_BYTES = 1024 * 1024;

/** ComfyUI serves every route also under /api. */
const PROMPT_PATHS = new Set(["/prompt", "/api/prompt"]);

const promptRequestSchema = z.looseObject({ prompt: promptGraphSchema, prompt_id: z.string().min(1).optional() });
const promptResponseSchema = z.looseObject({ prompt_id: z.string().min(1) });

/** Whether the request queues a prompt. */
export function isPromptPost(request: IncomingMessage): boolean {
  return request.method === "POST" && PROMPT_PATHS.has(new URL(request.url ?? "/", "http://proxy.invalid").pathname);
}

/**
 * Reads the graph of a prompt queued through the proxy and reports it on `observe` under
 * `QUEUED_PROMPT_SOURCE`, so the bridge knows the graph before ComfyUI's first frame of it
 * arrives. Both bodies are copied beside the forwarded streams and never hold them up. A body
 * with its own `prompt_id` is reported as soon as it ends, before ComfyUI has read it;
 * otherwise the id comes from ComfyUI's response.
 */
export class PromptTee {
  readonly #observe: (text: string, source: string) => void;
  readonly #log: Logger;
  readonly #request: Promise<{ graph: PromptGraph; promptId: string | null } | null>;
  #reported: string | null = null;

  /** Starts copying `body` (the request's own stream unless given); call before it is piped. */
  constructor(request: IncomingMessage, observe: (text: string, source: string) => void, log: Logger, body: Readable = request) {
    this.#observe = observe;
    this.#log = log;
    this.#request = copyOf(body, MAX_BODY_COPY_BYTES).then((bytes) => this.#readRequest(request, bytes));
  }

  /** Starts copying ComfyUI's response; call before the response is piped. */
  onResponse(response: IncomingMessage): void {
    if (response.statusCode !== 200) {
      return;
    }
    void copyOf(response, MAX_RESPONSE_COPY_BYTES).then(async (body) => {
      const promptId = this.#readResponse(response, body);
      const request = await this.#request;
      if (promptId !== null && request !== null) {
        this.#report(promptId, request.graph);
      }
    });
  }

  #readRequest(request: IncomingMessage, body: Buffer | null): { graph: PromptGraph; promptId: string | null } | null {
    if (body === null || request.headers["content-encoding"] !== undefined) {
      this.#log.debug({ path: request.url }, "POST /prompt body not read (too large, aborted or compressed); the bridge reads /queue instead");
      return null;
    }
    const parsed = promptRequestSchema.safeParse(parseJson(body));
    if (!parsed.success) {
      // ComfyUI rejects such a body with 400, so no prompt runs.
      return null;
    }

    const promptId = parsed.data.prompt_id ?? null;
    if (promptId !== null) {
      this.#report(promptId, parsed.data.prompt);
    }
    return { graph: parsed.data.prompt, promptId };
  }

  #readResponse(response: IncomingMessage, body: Buffer | null): string | null {
    const decoded = body === null ? null : decode(body, response.headers["content-encoding"]);
    const parsed = promptResponseSchema.safeParse(decoded === null ? null : parseJson(decoded));
    if (!parsed.success) {
      this.#log.debug("ComfyUI's response to POST /prompt has no readable prompt_id; the bridge reads /queue instead");
      return null;
    }
    return parsed.data.prompt_id;
  }

  #report(promptId: string, graph: PromptGraph): void {
    if (this.#reported === promptId) {
      return;
    }
    this.#reported = promptId;
    try {
      this.#observe(queuedPromptFrame(promptId, graph), QUEUED_PROMPT_SOURCE);
    } catch (error) {
      this.#log.error({ err: error, promptId }, "reporting a queued prompt to the bridge failed");
    }
  }
}

/** Collects up to `limit` bytes that flow through `stream` without changing its flow; null when over the limit or cut off. */
function copyOf(stream: Readable, limit: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stream.removeListener("data", onData);
        chunks.length = 0;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    stream.on("data", onData);
    stream.once("end", () => resolve(size > limit ? null : Buffer.concat(chunks)));
    stream.once("close", () => resolve(null));
    stream.once("error", () => resolve(null));
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
}

/** Undoes the `content-encoding` ComfyUI may apply (its `--enable-compress-response-body`); null when unknown or corrupt. */
function decode(body: Buffer, encoding: string | undefined): Buffer | null {
  const options = { maxOutputLength: MAX_RESPONSE_COPY_BYTES };
  try {
    switch (encoding?.trim().toLowerCase()) {
      case undefined:
      case "":
      case "identity":
        return body;
      case "gzip":
      case "x-gzip":
        return gunzipSync(body, options);
      case "deflate":
        return inflateSync(body, options);
      case "br":
        return brotliDecompressSync(body, options);
      default:
        return null;
    }
  } catch {
    return null;
  }
}
