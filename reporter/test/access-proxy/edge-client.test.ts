import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { HttpAccessEdge } from "../../src/access-proxy/edge-client.js";

// The access proxy's HTTP client against a stand-in for the edge's two reporter routes.

const KEY = Buffer.alloc(32, 9);
let server: Server;
let base: string;
const seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
let keyBody: unknown = { instance_id: "gpu-1", key: KEY.toString("base64url") };

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body });
      if (request.headers.authorization !== "Bearer cct_instance") {
        response.writeHead(401, { "content-type": "application/json" }).end('{"error":{"code":"unauthorized","message":"no"}}');
      } else if (request.url === "/api/reporter/access/key") {
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(keyBody));
      } else {
        const { token } = JSON.parse(body) as { token: string };
        const answer = token === "cca_good" ? { valid: true, token_id: "abc", scope: "control" } : { valid: false };
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.close();
});

describe("edge client", () => {
  it("fetches the key with the instance token", async () => {
    const client = new HttpAccessEdge({ edgeUrl: `${base}/`, token: "cct_instance" });
    expect((await client.fetchKey()).equals(KEY)).toBe(true);
    expect(seen.at(-1)?.headers.authorization).toBe("Bearer cct_instance");
  });

  it("reports a valid token with its scope", async () => {
    const client = new HttpAccessEdge({ edgeUrl: base, token: "cct_instance" });
    expect(await client.checkToken("cca_good")).toEqual({ valid: true, token_id: "abc", scope: "control" });
  });

  it("reports an unknown token", async () => {
    const client = new HttpAccessEdge({ edgeUrl: base, token: "cct_instance" });
    expect(await client.checkToken("cca_bad")).toEqual({ valid: false });
  });

  it("fails on a rejected instance token", async () => {
    const client = new HttpAccessEdge({ edgeUrl: base, token: "cct_revoked" });
    await expect(client.fetchKey()).rejects.toThrow("HTTP 401");
  });

  it("fails on a malformed key response", async () => {
    keyBody = { instance_id: "gpu-1", key: "short" };
    try {
      const client = new HttpAccessEdge({ edgeUrl: base, token: "cct_instance" });
      await expect(client.fetchKey()).rejects.toThrow("invalid access key response");
    } finally {
      keyBody = { instance_id: "gpu-1", key: KEY.toString("base64url") };
    }
  });

  it("fails when the edge is not listening", async () => {
    const client = new HttpAccessEdge({ edgeUrl: "http://127.0.0.1:1", token: "cct_instance" });
    await expect(client.checkToken("cca_good")).rejects.toThrow();
  });
});
