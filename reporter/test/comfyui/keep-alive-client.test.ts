import { createServer } from "node:http";
import type { Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { afterEach, describe, expect, it } from "vitest";

import { KeepAliveClient } from "../../src/comfyui/keep-alive-client.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

/** Starts a loopback server. `handle` responds to each request and gets the connection's remote port. */
async function startServer(handle: (response: ServerResponse, remotePort: number, count: number) => void): Promise<string> {
  let count = 0;
  const server: Server = createServer((request, response) => {
    count += 1;
    handle(response, request.socket.remotePort ?? 0, count);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function startClient(baseUrl: string, timeoutMs = 5_000): KeepAliveClient {
  const client = new KeepAliveClient(baseUrl, timeoutMs);
  cleanups.push(() => client.close());
  return client;
}

describe("KeepAliveClient", () => {
  it("reuses one connection for sequential requests", async () => {
    const ports: number[] = [];
    const client = startClient(await startServer((response, port) => {
      ports.push(port);
      response.end("{}");
    }));

    await client.request("GET", "/queue", undefined);
    await client.request("GET", "/queue", undefined);
    await client.request("GET", "/queue", undefined);

    expect(new Set(ports).size).toBe(1);
  });

  it("sends a GET again after the server reset the reused connection", async () => {
    const client = startClient(await startServer((response, _port, count) => {
      if (count === 2) {
        // The server drops the kept-alive connection without a response, as a closing server does.
        response.socket?.destroy();
        return;
      }
      response.end(`{"count":${count}}`);
    }));

    await client.request("GET", "/queue", undefined);
    const second = await client.request("GET", "/queue", undefined);

    expect(second.body).toBe('{"count":3}');
  });

  it("does not send a POST twice after a reset", async () => {
    let posts = 0;
    const client = startClient(await startServer((response, _port, count) => {
      if (count === 2) {
        posts += 1;
        response.socket?.destroy();
        return;
      }
      response.end("{}");
    }));

    await client.request("GET", "/queue", undefined);
    await expect(client.request("POST", "/interrupt", "{}")).rejects.toThrow();
    expect(posts).toBe(1);
  });

  it("fails a request that outlasts the timeout", async () => {
    const client = startClient(await startServer(() => undefined), 200);

    await expect(client.request("GET", "/queue", undefined)).rejects.toThrow("timed out after 200 ms");
  });

  it("returns the status and body of an error response", async () => {
    const client = startClient(await startServer((response) => {
      response.statusCode = 500;
      response.end("broken");
    }));

    const answer = await client.request("GET", "/system_stats", undefined);

    expect(answer).toEqual({ status: 500, body: "broken" });
  });
});
