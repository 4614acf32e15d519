/** Classifying how nvidia-smi failed into the protocol's `gpu_error` codes and messages. */
import type { SystemSection } from "@comfycarry/shared";

/** The GPU sampling error the overview carries next to the last good sample. */
export type GpuError = NonNullable<SystemSection["gpu_error"]>;
export type GpuErrorCode = GpuError["code"];

/** Text nvidia-smi prints when the driver lost the GPU, typical of a long-running container. */
export const NVML_FAILURE_TEXT = "Failed to initialize NVML";

/** Facts about one ended nvidia-smi run, as the sampler observed them. */
export interface ExitFacts {
  binary: string;
  /** Node's error code when spawning failed, e.g. `ENOENT`. */
  spawnErrorCode: string | undefined;
  exitCode: number | undefined;
  signal: string | undefined;
  /** Last lines that were not GPU rows, from stdout and stderr, oldest first. */
  output: readonly string[];
  /** Set when the sampler killed the process because it stopped printing samples. */
  staleAfterMs: number | null;
}

function describeEnd(facts: ExitFacts): string {
  if (facts.spawnErrorCode !== undefined) {
    return `nvidia-smi ("${facts.binary}") could not be started (${facts.spawnErrorCode})`;
  }
  if (facts.staleAfterMs !== null) {
    return `nvidia-smi printed no sample for ${Math.round(facts.staleAfterMs / 1000)} s and was killed`;
  }
  if (facts.signal !== undefined) {
    return `nvidia-smi was killed by ${facts.signal}`;
  }
  return `nvidia-smi exited with code ${facts.exitCode ?? "unknown"}`;
}

/** Maps an ended nvidia-smi run to a `gpu_error` code and an English message for the dashboard and logs. */
export function classifyExit(facts: ExitFacts): { code: GpuErrorCode; message: string } {
  if (facts.spawnErrorCode === "ENOENT") {
    return {
      code: "nvidia_smi_missing",
      message: `nvidia-smi was not found (looked for "${facts.binary}" on PATH); GPU readings are unavailable in this container`,
    };
  }

  const nvmlLine = facts.output.find((line) => line.includes(NVML_FAILURE_TEXT));
  if (nvmlLine !== undefined) {
    return { code: "nvml_failed", message: `GPU lost — restart the container (nvidia-smi: ${nvmlLine})` };
  }

  const lastLine = facts.output.at(-1);
  const detail = lastLine === undefined ? "" : `: ${lastLine}`;
  return { code: "nvidia_smi_failed", message: `${describeEnd(facts)}${detail}`.slice(0, 1000) };
}
