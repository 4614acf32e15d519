/**
 * A fake of the quick-tunnel service (api.trycloudflare.com): `POST /tunnel` returns a new
 * tunnel, or HTTP 429 with the plain-text body `error code: 1015` while rate-limited.
 * Point cloudflared at it with `--quick-service`.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeQuickService {
  url: string;
  /** Every POST /tunnel, in order, with what it returned. */
  requests: { at: number; status: number; hostname: string | null }[];
  /** While true every request gets 429 / error 1015. */
  rateLimited: boolean;
  close(): Promise<void>;
}

const WORDS = ["alpine", "bright", "copper", "dawn", "eagle", "falcon", "garnet", "hollow", "indigo", "jasper", "kindle", "lumen"];

function hostname(): string {
  const bytes = randomBytes(4);
  const words = [...bytes].map((byte) => WORDS[byte % WORDS.length] ?? "alpine");
  return `${words.join("-")}.trycloudflare.com`;
}

export async function startFakeQuickService(options: { rateLimited?: boolean } = {}): Promise<FakeQuickService> {
  const service: Omit<FakeQuickService, "url" | "close"> = { requests: [], rateLimited: options.rateLimited ?? false };

  const server = createServer((request, response) => {
    if (request.method !== "POST" || request.url !== "/tunnel") {
      response.writeHead(404).end();
      return;
    }
    if (service.rateLimited) {
      service.requests.push({ at: Date.now(), status: 429, hostname: null });
      response.writeHead(429, { "Content-Type": "text/plain; charset=UTF-8" });
      response.end("error code: 1015");
      return;
    }
    const host = hostname();
    service.requests.push({ at: Date.now(), status: 200, hostname: host });
    response.writeHead(200, { "Content-Type": "application/json" });
    response.end(JSON.stringify({ success: true, result: { id: randomUUID(), name: `qt-${randomBytes(4).toString("hex")}`, hostname: host, account_tag: randomBytes(16).toString("hex"), secret: randomBytes(32).toString("base64") }, errors: [] }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;

  return Object.assign(service, {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  });
}
