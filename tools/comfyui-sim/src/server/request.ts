/** A request as handlers see it: decoded path, query, headers and a size-limited body reader. */
import type { IncomingMessage } from "node:http";

import { parsePyJson } from "../py/parse.js";
import type { PyValue } from "../py/value.js";

/** Raised when a body is over `--max-upload-size`, so the server returns 413 like aiohttp. */
export class BodyTooLargeError extends Error {
  constructor(
    readonly maxSize: number,
    readonly actualSize: number,
  ) {
    super(`Maximum request body size ${maxSize} exceeded, actual body size ${actualSize}`);
  }
}

export class SimRequest {
  readonly path: string;
  readonly query: URLSearchParams;
  private bodyPromise: Promise<Buffer> | null = null;

  constructor(
    readonly raw: IncomingMessage,
    private readonly maxBodyBytes: number,
  ) {
    const url = new URL(raw.url ?? "/", "http://localhost");
    this.path = decodeURIComponent(url.pathname);
    this.query = url.searchParams;
  }

  get method(): string {
    return this.raw.method ?? "GET";
  }

  header(name: string): string | undefined {
    const value = this.raw.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  }

  body(): Promise<Buffer> {
    this.bodyPromise ??= new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      this.raw.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.maxBodyBytes) {
          reject(new BodyTooLargeError(this.maxBodyBytes, size));
          this.raw.resume();
          return;
        }
        chunks.push(chunk);
      });
      this.raw.on("end", () => resolve(Buffer.concat(chunks)));
      this.raw.on("error", reject);
    });
    return this.bodyPromise;
  }

  /** `await request.json()`: raises `PyError` (JSONDecodeError) for a body that is not JSON. */
  async json(): Promise<PyValue> {
    const body = await this.body();
    return parsePyJson(body.toString("utf8"));
  }

  /** Parses a multipart or urlencoded form with the platform's `Request.formData()`. */
  async formData(): Promise<FormData> {
    const body = await this.body();
    const contentType = this.header("content-type") ?? "";
    const request = new Request("http://localhost/", { method: "POST", headers: { "content-type": contentType }, body });
    return request.formData();
  }
}
