// The reporter's access proxy alone in its own process, so the bench can read its RSS.
// Usage: node --import tsx proxy-child.ts '<json config>'. It prints one JSON line when listening.
import { z } from "zod";

import { startAccessProxy } from "../../reporter/src/access-proxy/feature.js";
import { ProxyRoutes } from "../../reporter/src/access-proxy/routes.js";
import { createRootLogger } from "../../reporter/src/log/logger.js";

const configSchema = z.object({ comfyuiUrl: z.string(), stateDir: z.string(), token: z.string() });
const config = configSchema.parse(JSON.parse(process.argv[2] ?? "{}"));

// The edge is replaced by one API token that is always valid, so no edge runs during the bench.
const proxy = await startAccessProxy({
  instanceId: "bench",
  edgeUrl: "http://edge.invalid",
  token: "cct_unused",
  stateDir: config.stateDir,
  comfyuiUrl: config.comfyuiUrl,
  port: 0,
  log: createRootLogger({ level: process.env.COMFYCARRY_BENCH_LOG ?? "silent", destination: process.stderr }),
  observe: () => undefined,
  routes: new ProxyRoutes(),
  edge: {
    fetchKey: () => Promise.resolve(Buffer.alloc(32, 1)),
    checkToken: (token) => Promise.resolve(token === config.token ? { valid: true, token_id: "bench", scope: "control" } : { valid: false }),
  },
});
process.stdout.write(`${JSON.stringify({ type: "ready", port: proxy.port })}\n`);
process.on("SIGTERM", () => {
  void proxy.stop().then(() => process.exit(0));
});
