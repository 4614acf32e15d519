/** Entry point: parse the command line as ComfyUI does, start up, serve, run prompts. */
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { UsageError, formatHelp, formatUsage, parseArgs } from "./cli/argparse.js";
import { ALL_OPTIONS } from "./cli/options.js";
import { ConfigError, buildConfig, type SimConfig } from "./config.js";
import { Executor } from "./exec/executor.js";
import { encodePng } from "./exec/images.js";
import { PromptQueue } from "./exec/queue.js";
import { Folders } from "./folders/folders.js";
import { LEVELS, simConsole } from "./log/logger.js";
import { coreNodeClasses } from "./nodes/core.js";
import { NodeRegistry } from "./nodes/registry.js";
import type { Dumpable } from "./py/format.js";
import { formatException } from "./py/traceback.js";
import { ALL_ROUTES } from "./routes/index.js";
import { serverFeatures } from "./routes/system.js";
import type { AppContext } from "./server/context.js";
import { SimServer } from "./server/http.js";
import { managerRoutes } from "./manager/index.js";
import { Faults } from "./sim/faults.js";
import { guiUrl, importPacks, listPacks, printDeviceLines, printPrestartup } from "./startup.js";
import { SocketHub } from "./ws/hub.js";

const PROG = "main.py";

function parseCommandLine(argv: string[]): SimConfig {
  try {
    const options = parseArgs(ALL_OPTIONS, argv);
    if (options === null) {
      process.stdout.write(formatHelp(PROG, ALL_OPTIONS));
      process.exit(0);
    }
    return buildConfig(options, argv);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`${formatUsage(PROG, ALL_OPTIONS)}${PROG}: error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

/** ComfyUI ships `input/example.png`; the simulator writes a small one into an empty input folder. */
function ensureExampleInput(folders: Folders): void {
  if (existsSync(folders.inputDir) && readdirSync(folders.inputDir).length === 0) {
    writeFileSync(path.join(folders.inputDir, "example.png"), encodePng(64, 64, 7, []));
  }
}

async function bindAll(server: SimServer, config: SimConfig): Promise<Array<{ address: string; port: number }>> {
  const bound: Array<{ address: string; port: number }> = [];
  for (const address of config.listen) {
    try {
      bound.push({ address, port: await server.listen(address, config.port) });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const frames = [{ file: path.join(config.baseDir, "main.py"), line: 372, func: "<module>", code: "event_loop.run_until_complete(x)" }];
      const errno = reason.includes("EADDRINUSE") ? "[Errno 98] error while attempting to bind on address" : "[Errno 99] error while attempting to bind on address";
      const kind = reason.includes("EADDRINUSE") ? "address already in use" : "cannot assign requested address";
      simConsole.error(formatException(frames, "OSError", `${errno} ('${address}', ${config.port}): ${kind}`).trimEnd());
      process.exit(1);
    }
  }
  return bound;
}

async function main(): Promise<void> {
  const config = parseCommandLine(process.argv.slice(2));
  simConsole.configure({ logStdout: config.logStdout, level: LEVELS[config.logLevel] });
  const faults = new Faults(config);
  const folders = new Folders(config);
  folders.prepare();
  ensureExampleInput(folders);

  const packs = listPacks(config, folders);
  printPrestartup(packs);
  printDeviceLines(config);
  faults.fire("startup");
  if (config.sim.startupMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, config.sim.startupMs));
  }

  const registry = new NodeRegistry();
  coreNodeClasses(folders).forEach((nodeClass) => registry.register(nodeClass));
  await importPacks(packs, registry, config.baseDir);
  if (config.quickTestForCi) {
    process.exit(0);
  }

  // The hub, queue and executor refer to each other, so the hub's callbacks look them up late.
  let executor: Executor | null = null;
  let queue: PromptQueue | null = null;
  const statusPayload = (): Dumpable => ({ exec_info: { queue_remaining: queue?.remaining() ?? 0 } });
  const hub = new SocketHub(
    statusPayload,
    (sid) => executor?.executingNodeFor(sid) ?? null,
    () => serverFeatures(config),
  );
  queue = new PromptQueue(() => hub.send("status", { status: statusPayload() }, null));
  executor = new Executor({ config, folders, registry, queue, hub, faults });
  const app: AppContext = { config, folders, registry, queue, executor, hub, promptCounter: { next: 0 } };
  simConsole.buffer.subscribe((entries) => hub.sendLogs(entries));

  const server = new SimServer(app, [...ALL_ROUTES, ...managerRoutes(config, folders.customNodesDir, hub)]);
  // The control port comes up first, so a test that waits for the ready line can use it at once.
  await faults.startControl();
  if (!config.dontPrintServer) {
    simConsole.info("Starting server\n");
  }
  const bound = await bindAll(server, config);
  if (!config.dontPrintServer) {
    for (const { address, port } of bound) {
      simConsole.info(`To see the GUI go to: ${guiUrl(config, address, port)}`);
    }
  }
  faults.armAfterReady();

  process.on("SIGINT", () => {
    simConsole.info("\nStopped server");
    folders.clearTemp();
    server.close();
    faults.stopControl();
    process.exit(0);
  });

  await executor.run();
}

main().catch((error: unknown) => {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(formatException([], "RuntimeError", text));
  process.exit(1);
});
