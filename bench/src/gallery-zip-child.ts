// The reporter's gallery routes in their own process, so their RSS is measured alone.
// Usage: node --import tsx gallery-zip-child.ts '<json config>'. Prints {"port": n} when listening.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { z } from "zod";

import { startGallery } from "../../reporter/src/gallery/feature.js";
import { createRootLogger } from "../../reporter/src/log/logger.js";

const config = z.object({ comfyui: z.string(), state: z.string() }).parse(JSON.parse(process.argv[2] ?? "{}"));
const log = createRootLogger({ level: process.env.COMFYCARRY_BENCH_LOG ?? "silent", destination: process.stderr });
const feature = await startGallery({ comfyuiDir: config.comfyui, stateDir: config.state, log, sync: null });

const server = createServer((req, res) => {
  feature.routes(req, res).catch((error: unknown) => {
    log.error({ err: error }, "bench route failed");
    res.destroy();
  });
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
