import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { plainFetch } from "../../src/http/plain-fetch.js";

let server: Server;
let base: string;
const seen: Array<{ method: string; url: string; body: string; contentType: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      seen.push({ method: request.method ?? "", url: request.url ?? "", body: Buffer.concat(chunks).toString("utf8"), contentType: request.headers["content-type"] });
      switch (request.url) {
        case "/json":
          response.writeHead(200, { "content-type": "application/json", "x-twice": ["a", "b"] });
          response.end(JSON.stringify({ 你好: "世界" }));
          return;
        case "/moved":
          response.writeHead(302, { location: "/json" });
          response.end();
          return;
        case "/see-other":
          response.writeHead(303, { location: "/echo" });
          response.end();
          return;
        case "/echo":
          response.writeHead(200);
          response.end(`${request.method ?? ""} ${Buffer.concat(chunks).toString("utf8")}`);
          return;
        case "/slow":
          setTimeout(() => response.end("late"), 2_000);
          return;
        default:
          response.writeHead(404);
          response.end("nothing here");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("plainFetch", () => {
  it("reads a JSON body as UTF-8", async () => {
    const response = await plainFetch(`${base}/json`);
    expect(await response.json()).toEqual({ 你好: "世界" });
  });

  it("reports a 2xx response as ok", async () => {
    const response = await plainFetch(`${base}/json`);
    expect(response.ok).toBe(true);
  });

  it("joins a repeated header as fetch does", async () => {
    const response = await plainFetch(`${base}/json`);
    expect(response.headers.get("X-Twice")).toBe("a, b");
  });

  it("reports a 404 as not ok", async () => {
    const response = await plainFetch(`${base}/missing`);
    expect([response.ok, response.status, await response.text()]).toEqual([false, 404, "nothing here"]);
  });

  it("sends the body and headers of a POST", async () => {
    await plainFetch(`${base}/echo`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"a":1}' });
    expect(seen.at(-1)).toEqual({ method: "POST", url: "/echo", body: '{"a":1}', contentType: "application/json" });
  });

  it("follows a redirect to its URL", async () => {
    const response = await plainFetch(`${base}/moved`);
    expect(response.url).toBe(`${base}/json`);
  });

  it("follows a 303 with a bodiless GET", async () => {
    const response = await plainFetch(`${base}/see-other`, { method: "POST", body: "payload" });
    expect(await response.text()).toBe("GET ");
  });

  it("rejects a redirect on request", async () => {
    await expect(plainFetch(`${base}/moved`, { redirect: "error" })).rejects.toThrow(/redirect to \/json/);
  });

  it("fails once its signal aborts", async () => {
    await expect(plainFetch(`${base}/slow`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
  });

  it("fails on a closed port", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(plainFetch(`http://127.0.0.1:${port}/`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it("rejects a non-HTTP URL", async () => {
    await expect(plainFetch("file:///etc/hostname")).rejects.toThrow(/only http and https/);
  });
});
