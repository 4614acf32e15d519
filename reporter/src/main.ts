import { ComfyCarryError } from "@comfycarry/shared";

import { Pm2Client } from "./pm2/index.js";
import { GpuSampler } from "./sources/gpu/index.js";
import { SystemSource as HostSystemSource } from "./sources/system/index.js";

import { startReporter } from "./app.js";
import type { RunningReporter } from "./app.js";
import { loadConfig } from "./config/load.js";
import type { ReporterConfig } from "./config/load.js";
import { dropReporterOnlyEnv } from "./config/own-env.js";
import { createRootLogger } from "./log/logger.js";
import { logDir, openLogFiles } from "./log/files.js";
import { withEnrollment } from "./enroll/index.js";

/**
 * Exit status after the edge refused this reporter for good (replaced or unauthorized).
 * 78 is EX_CONFIG from sysexits.h: a supervisor can list it as a stop code, so the
 * reporter is not restarted into the same refusal.
 */
export const EXIT_REFUSED = 78;

/**
 * Exit status when the edge needs a newer reporter and a launcher that fetches the edge's
 * bundle on every start runs this one (bootstrap.sh sets COMFYCARRY_SELF_UPDATE=1 there).
 * 75 is EX_TEMPFAIL: PM2 restarts the launcher, which installs the edge's reporter.
 */
export const EXIT_OUTDATED = 75;

async function main(): Promise<void> {
  dropReporterOnlyEnv(process.env);

  let config: ReporterConfig;
  try {
    // Enrollment (ENROLL_KEY) fills in the instance id and token file before the config is read.
    config = loadConfig({ env: await withEnrollment(process.env, createRootLogger({ level: "info" })) });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const refused = error instanceof ComfyCarryError && error.code === "unauthorized";
    createRootLogger({ level: "info" }).fatal({ code: refused ? "unauthorized" : "invalid_arguments" }, `invalid configuration: ${message}`);
    // Exit outright: under PM2 the IPC channel would keep the process alive after main returns.
    process.exit(refused ? EXIT_REFUSED : 1);
  }

  // The dashboard's log view reads these files; stdout still reaches PM2's own log.
  const files = await openLogFiles(logDir(config.stateDir)).catch((error: unknown) => {
    createRootLogger({ level: "info" }).error({ err: error, dir: logDir(config.stateDir) }, "could not open the log files; logging to stdout only");
    return undefined;
  });
  const log = createRootLogger({ level: config.logLevel, ...(files === undefined ? {} : { files }) });
  log.info({ config }, "configuration loaded");

  let reporter: RunningReporter | null = null;
  let stopping = false;
  const shutdown = async (reason: string, exitCode: number) => {
    if (stopping) {
      return;
    }
    stopping = true;
    log.info({ reason }, "shutting down");
    try {
      await reporter?.stop();
    } catch (error) {
      log.error({ err: error }, "shutdown failed; exiting anyway");
    }
    process.exit(exitCode);
  };

  process.on("uncaughtException", (error) => {
    log.fatal({ err: error }, "uncaught exception");
    void shutdown("uncaught exception", 1);
  });
  process.on("unhandledRejection", (error) => {
    log.fatal({ err: error }, "unhandled promise rejection");
    void shutdown("unhandled rejection", 1);
  });
  process.on("SIGINT", () => void shutdown("SIGINT", 0));
  process.on("SIGTERM", () => void shutdown("SIGTERM", 0));

  const partsLog = log.child({ instanceId: config.instanceId });
  const parts = {
    system: new HostSystemSource({ workspacePath: config.workspaceDir }),
    // One sample a second, half the watched snapshot interval, so every snapshot carries a
    // sample taken after the previous one.
    gpus: new GpuSampler({ logger: partsLog, intervalMs: 1_000 }),
    services: new Pm2Client({ logger: partsLog }),
  };

  try {
    reporter = await startReporter(config, parts, log, (error) => {
      if (error.code === "protocol_version_unsupported") {
        if (process.env.COMFYCARRY_SELF_UPDATE === "1") {
          log.warn({ code: error.code, exitCode: EXIT_OUTDATED }, "the edge needs a newer reporter; exiting so the launcher installs the edge's build");
          void shutdown("outdated", EXIT_OUTDATED);
        }
        return;
      }
      log.fatal({ code: error.code, reason: error.message, exitCode: EXIT_REFUSED }, "the edge rejected this reporter permanently; exiting");
      void shutdown(`refused: ${error.code}`, EXIT_REFUSED);
    });
  } catch (error) {
    log.fatal({ err: error }, "reporter failed to start");
    await shutdown("start failed", 1);
  }
}

await main();
