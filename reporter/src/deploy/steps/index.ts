/** The step definitions in the order the engine runs them (DEPLOY_STEP_IDS). */
import type { DeployStepDefinition } from "../context.js";
import { attentionStep } from "./attention.js";
import { comfyuiStep } from "./comfyui.js";
import { customNodesStep } from "./custom-nodes.js";
import { modelsStep } from "./models.js";
import { preflightStep } from "./preflight.js";
import { readyStep } from "./ready.js";
import { restoreStep } from "./restore.js";
import { startStep } from "./start.js";
import { systemPackagesStep } from "./system-packages.js";

export const DEPLOY_STEPS: readonly DeployStepDefinition[] = [
  preflightStep,
  systemPackagesStep,
  comfyuiStep,
  attentionStep,
  customNodesStep,
  restoreStep,
  modelsStep,
  startStep,
  readyStep,
];
