import { arch, cpus, hostname, platform, totalmem } from "node:os";

import { PROTOCOL_VERSION, toUtcTimestamp } from "@comfycarry/shared";
import type { HeldSecrets } from "@comfycarry/shared";

import type { GpuSource } from "../snapshot/sources.js";
import type { ReporterHello } from "./edge-link.js";

/**
 * Returns a hello builder; GPU names are read at each connect, since the sampler may not have
 * had a sample at start. `secrets` reports what the reporter holds, so the edge sends only what differs.
 */
export function helloBuilder(instanceId: string, reporterVersion: string, gpus: GpuSource, secrets?: () => Promise<HeldSecrets>): () => Promise<ReporterHello> {
  const startedAt = toUtcTimestamp();
  return async () => {
    const cores = cpus();
    const held = secrets === undefined ? undefined : await secrets();
    return {
      type: "hello",
      protocol_version: PROTOCOL_VERSION,
      instance_id: instanceId,
      reporter_version: reporterVersion,
      started_at: startedAt,
      host: {
        hostname: hostname().slice(0, 255),
        platform: platform(),
        arch: arch(),
        node_version: process.version,
        cpu_model: (cores[0]?.model ?? "unknown").trim().slice(0, 255),
        cpu_cores: Math.max(1, cores.length),
        memory_total_bytes: totalmem(),
        gpu_names: gpus.current().gpus.map((gpu) => gpu.name.slice(0, 255)),
      },
      ...(held === undefined ? {} : { secrets: held }),
    };
  };
}
