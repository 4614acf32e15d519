import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Absolute path of the wrapper script under test. */
export const NVIDIA_SMI = fileURLToPath(new URL("../bin/nvidia-smi", import.meta.url));

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs the fake with `preset` selected (null leaves the variable unset) and returns its output and exit status. */
export function runFake(args: string[], preset: string | null = "h100"): Promise<RunResult> {
  const env = { ...process.env };
  delete env["FAKE_NVIDIA_SMI_PRESET"];
  if (preset !== null) {
    env["FAKE_NVIDIA_SMI_PRESET"] = preset;
  }

  return new Promise((resolve, reject) => {
    execFile(
      NVIDIA_SMI,
      args,
      { env, timeout: 10_000 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number") {
          reject(error);
          return;
        }
        resolve({ stdout, stderr, exitCode: error === null ? 0 : Number(error.code) });
      },
    );
  });
}
