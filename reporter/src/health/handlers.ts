/** @module The `health.report` command. */
import type { Overview } from "@comfycarry/shared";

import type { CommandHandlers } from "../commands/executor.js";
import { buildHealthReport } from "./report.js";

export type HealthHandlers = Pick<CommandHandlers, "health.report">;

export type HealthSources = {
  snapshot: () => Promise<Overview | null>;
  edgeConnected: () => boolean;
};

export function createHealthHandlers(sources: HealthSources): HealthHandlers {
  return {
    "health.report": async () => buildHealthReport({ overview: await sources.snapshot(), edgeConnected: sources.edgeConnected(), now: new Date() }),
  };
}

/** Stands in until app.ts passes the real sources, e.g. in tests that build handlers alone. */
export function unavailableHealthHandlers(): HealthHandlers {
  return createHealthHandlers({ snapshot: () => Promise.resolve(null), edgeConnected: () => false });
}
