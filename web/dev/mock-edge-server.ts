import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { createMockEdge } from "./mock-edge";

import type { IncomingMessage, ServerResponse } from "node:http";

// Runs the mock edge on 127.0.0.1 for dashboard development, in front of either Vite's
// dev server (--vite, with hot reload) or the built web/dist (--dist, as the edge serves
// it). Run with `npx tsx web/dev/mock-edge-server.ts --vite [--port 5173]`.

const { values } = parseArgs({
  options: {
    vite: { type: "boolean", default: false },
    dist: { type: "boolean", default: false },
    port: { type: "string", default: "0" },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  throw new Error(`--port must be an integer from 0 to 65535, got "${values.port}"`);
}
if (values.vite === values.dist) {
  throw new Error("pass exactly one of --vite (dev server with hot reload) or --dist (the built web/dist)");
}

const webRoot = fileURLToPath(new URL("..", import.meta.url));
const password = process.env.MOCK_PASSWORD ?? "comfycarry";
const edge = createMockEdge({ password, secondInstance: process.env.MOCK_INSTANCES !== "1" });

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

/** Serves web/dist with the edge's single-page fallback: unknown paths get index.html. */
async function serveDist(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const dist = join(webRoot, "dist");
  const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://mock.local").pathname));
  const file = join(dist, path);
  const inside = file.startsWith(dist) && extname(file) !== "";
  const body = await readFile(inside ? file : join(dist, "index.html")).catch(() => null);
  const served = body ?? (await readFile(join(dist, "index.html")));
  res.setHeader("content-type", CONTENT_TYPES[body === null || !inside ? ".html" : extname(file)] ?? "application/octet-stream");
  res.end(served);
}

let fallback: (req: IncomingMessage, res: ServerResponse) => void;
const server = createServer((req, res) => {
  edge.handle(req, res).then(
    (handled) => {
      if (!handled) {
        fallback(req, res);
      }
    },
    (error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    },
  );
});

if (values.vite) {
  const { createServer: createViteServer } = await import("vite");
  const vite = await createViteServer({ root: webRoot, server: { middlewareMode: true, hmr: { server } }, appType: "spa" });
  fallback = (req, res) => vite.middlewares(req, res);
} else {
  fallback = (req, res) => {
    serveDist(req, res).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(`web/dist is missing or unreadable; run "npm run build -w web" first (${String(error)})`);
    });
  };
}

server.on("upgrade", (req, socket, head) => {
  if (!edge.upgrade(req, socket, head) && values.dist) {
    socket.destroy();
  }
});

server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  const actual = typeof address === "object" && address !== null ? address.port : port;
  process.stdout.write(`mock edge on http://127.0.0.1:${actual}/ (password "${password}", ${values.vite ? "vite dev" : "web/dist"})\n`);
});

const shutdown = () => {
  edge.close();
  server.close();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
