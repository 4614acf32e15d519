import { z } from "zod";

import { ON_DEMAND_BY_DEFAULT } from "../../workflows/pull-policy.js";
import type { RuleInput } from "./schema.js";

/**
 * Presets: each returns an ordinary rule input that the user can edit afterwards.
 * Local paths are relative to the workspace; `comfyui_dir` is the ComfyUI checkout
 * relative to the workspace (default `ComfyUI`).
 */

export const PRESET_NAMES = ["outputs", "workflows", "user_settings", "node_snapshots", "models", "custom_nodes"] as const;
export const presetNameSchema = z.enum(PRESET_NAMES);
export type PresetName = z.infer<typeof presetNameSchema>;

export const presetOptionsSchema = z.object({
  remote: z.string().min(1),
  /** Folder on the remote under which each preset puts its own subfolder. */
  remote_base: z.string().min(1).default("comfycarry"),
  comfyui_dir: z.string().min(1).default("ComfyUI"),
  /**
   * Whether ComfyUI has the system-user API (core v0.3.76 and later), which moves
   * ComfyUI-Manager's data from `user/default/ComfyUI-Manager/` to `user/__manager/`.
   */
  manager_in_system_user: z.boolean().default(true),
  /**
   * Directories below `models` the `models` preset leaves out, because their files are pulled
   * when a prompt needs them (or never). Large folders are on-demand by default; `[]` restores all.
   */
  pull_later: z.array(z.string().regex(/^[a-z0-9_]{1,64}$/, "a model folder name such as checkpoints")).default([...ON_DEMAND_BY_DEFAULT]),
});
export type PresetOptions = z.input<typeof presetOptionsSchema>;

/** Builds the rule input for `preset`. */
export function presetRule(preset: PresetName, input: PresetOptions): RuleInput {
  const options = presetOptionsSchema.parse(input);
  const base = options.remote_base.replace(/\/+$/, "");
  const comfy = options.comfyui_dir.replace(/\/+$/, "");
  const remote = options.remote;

  switch (preset) {
    case "outputs":
      return {
        name: "Outputs to remote",
        local_path: `${comfy}/output`,
        remote,
        remote_path: `${base}/output`,
        direction: "push",
        method: "copy",
        trigger: { type: "watch" },
      };
    case "workflows":
      return {
        name: "Workflows both ways",
        local_path: `${comfy}/user/default/workflows`,
        remote,
        remote_path: `${base}/workflows`,
        direction: "two_way",
        method: "copy",
        trigger: { type: "interval", every_s: 300 },
      };
    case "user_settings":
      return {
        name: "ComfyUI settings to remote",
        local_path: `${comfy}/user/default`,
        remote,
        remote_path: `${base}/user-settings`,
        direction: "push",
        method: "copy",
        trigger: { type: "interval", every_s: 600 },
        filters: { include: ["comfy.settings.json", "comfy.templates.json"], exclude: [] },
      };
    case "node_snapshots":
      return {
        name: "Custom-node snapshots to remote",
        local_path: options.manager_in_system_user ? `${comfy}/user/__manager/snapshots` : `${comfy}/user/default/ComfyUI-Manager/snapshots`,
        remote,
        remote_path: `${base}/node-snapshots`,
        direction: "push",
        method: "copy",
        trigger: { type: "interval", every_s: 600 },
      };
    case "models":
      return {
        name: "Models from remote on deploy",
        local_path: `${comfy}/models`,
        remote,
        remote_path: `${base}/models`,
        direction: "pull",
        method: "copy",
        trigger: { type: "on_deploy" },
        filters: { include: [], exclude: options.pull_later.map((folder) => `/${folder}/**`) },
      };
    case "custom_nodes":
      // Each node folder goes up as a whole git checkout, so a restore can keep a folder whose
      // HEAD is the snapshot's commit instead of cloning it. Bytecode is rebuilt by Python and
      // folders moved to custom_nodes/.disabled/ (refused requirements, crash-loop guard) stay off.
      // NOTE: the rule schema has no size limit, so a large file inside a node folder is pushed too.
      return {
        name: "Custom-node folders to remote",
        local_path: `${comfy}/custom_nodes`,
        remote,
        remote_path: `${base}/custom-nodes`,
        direction: "push",
        method: "copy",
        trigger: { type: "interval", every_s: 900 },
        filters: { include: [], exclude: ["__pycache__/**", "*.pyc", "/.disabled/**"] },
      };
  }
}
