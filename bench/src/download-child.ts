// One download engine in its own process, so the crash run can kill it with SIGKILL.
// Usage: node --import tsx download-child.ts '<json config>'. It prints one JSON line per event.
import { z } from "zod";

import { DownloadEngine } from "../../reporter/src/downloads/engine.js";
import { HostRegistry } from "../../reporter/src/downloads/hosts.js";
import { createRootLogger } from "../../reporter/src/log/logger.js";

const configSchema = z.object({
  state: z.string(),
  models: z.string(),
  civitaiHost: z.string(),
  token: z.string(),
  connections: z.number().int().min(1).max(16),
  link: z.string().optional(),
});
const config = configSchema.parse(JSON.parse(process.argv[2] ?? "{}"));

const engine = await DownloadEngine.open({
  stateDir: config.state,
  modelsRoot: config.models,
  hosts: new HostRegistry({ testOnlyLoopbackHosts: { [config.civitaiHost]: "civitai" } }),
  tokens: { get: (kind) => (kind === "civitai" ? config.token : null) },
  logger: createRootLogger({ level: process.env.COMFYCARRY_BENCH_LOG ?? "silent", destination: process.stderr }),
  pollIntervalMs: 100,
  connectionsPerFile: config.connections,
});
const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value)}\n`);
};
engine.on("job", (job) => print({ type: "job", job }));
print({ type: "ready", aria2Pid: engine.aria2Pid });
if (config.link !== undefined && engine.list().length === 0) {
  print({ type: "added", result: await engine.add({ url: config.link }) });
}
