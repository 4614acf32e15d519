/** Attention library: FlashAttention or SageAttention into ComfyUI's environment, under the torch constraints. */
import type { AttentionLibrary } from "@comfycarry/shared";

import type { DeployStepDefinition, StepContext } from "../context.js";
import { DeployStepError } from "../context.js";
import { pipInstall, writeConstraints } from "../pip-run.js";
import { comfyuiOutcomeSchema } from "./comfyui.js";

/** The pip package of each library and the lowest compute capability its kernels support (both need Ampere, 8.0). */
const LIBRARIES: Record<Exclude<AttentionLibrary, "none">, { requirement: string; minCapability: number }> = {
  flash: { requirement: "flash-attn", minCapability: 8.0 },
  sage: { requirement: "sageattention", minCapability: 8.0 },
};

export function comfyuiPython(context: StepContext): string {
  const outcome = comfyuiOutcomeSchema.safeParse(context.outcome("comfyui"));
  if (!outcome.success) {
    throw new DeployStepError("comfyui_missing", "The ComfyUI step has no recorded outcome; retry the deploy from the start.");
  }
  return outcome.data.python;
}

export const attentionStep: DeployStepDefinition = {
  id: "attention",
  kind: "change",
  inputs: (context) => Promise.resolve({ attention: context.request.attention, python: comfyuiPython(context) }),
  async run(context) {
    const choice = context.request.attention;
    if (choice === "none") {
      context.line("no attention library requested");
      return { installed: null };
    }

    const library = LIBRARIES[choice];
    checkCapability(context, library.requirement, library.minCapability);
    const python = comfyuiPython(context);
    const constraints = await writeConstraints(context, python);
    const outcome = await pipInstall(context, python, [library.requirement], constraints, context.settings.comfyuiDir);
    if (!outcome.ok) {
      throw new DeployStepError("attention_failed", `${library.requirement} could not be installed: ${outcome.reason}. Choose another attention library or none.`);
    }
    return { installed: library.requirement };
  },
};

function checkCapability(context: StepContext, requirement: string, minimum: number): void {
  const gpus = context.deps.gpus();
  const capabilities = gpus.map((gpu) => Number(gpu.compute_capability)).filter((value) => Number.isFinite(value));
  if (gpus.length === 0) {
    throw new DeployStepError("gpu_missing", `${requirement} needs an NVIDIA GPU and none is visible; choose "none" as the attention library.`);
  }
  const best = Math.max(...capabilities);
  context.line(`compute capability ${capabilities.length === 0 ? "unknown" : best.toFixed(1)}; ${requirement} needs ${minimum.toFixed(1)}`);
  if (capabilities.length > 0 && best < minimum) {
    throw new DeployStepError("gpu_unsupported", `${requirement} needs compute capability ${minimum.toFixed(1)} or higher; this GPU has ${best.toFixed(1)}. Choose "none" as the attention library.`);
  }
}
