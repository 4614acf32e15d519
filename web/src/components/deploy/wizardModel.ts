import { deployRequestSchema, gitUrlSchema } from "@comfycarry/shared";

import type { DeployConfig, DeployRequest, DeployStep, ImportedSyncRule, ImportReportEntry } from "@comfycarry/shared";

// The setup wizard's logic without the page: its steps, the deploy request built from the
// stored values, and the text helpers the progress list shows.

/** The wizard's steps in order; each has `deploy.wizard.<id>` messages. */
export const WIZARD_STEPS = ["mode", "remote", "tokens", "comfyui", "attention", "nodes", "sync", "confirm"] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

/** A custom node the wizard lists: its URL and whether it comes from the default set. */
export interface NodeChoice {
  url: string;
  default: boolean;
  enabled: boolean;
}

/**
 * Returns the node list the wizard shows: the engine's defaults (on unless the stored values
 * turned them off), then the extra URLs of the stored request that are not defaults.
 */
export function nodeChoices(config: DeployConfig, defaults: readonly string[]): NodeChoice[] {
  const disabled = new Set(config.disabled_default_nodes);
  const choices: NodeChoice[] = defaults.map((url) => ({ url, default: true, enabled: !disabled.has(url) }));
  for (const node of config.request.custom_nodes) {
    if (!defaults.includes(node.url)) {
      choices.push({ url: node.url, default: false, enabled: true });
    }
  }
  return choices;
}

/** Splits pasted git URLs, one a line, into valid ones and the lines that are not cloneable URLs. */
export function parseNodeUrls(text: string): { urls: string[]; invalid: string[] } {
  const urls: string[] = [];
  const invalid: string[] = [];
  for (const line of text.split("\n").map((item) => item.trim())) {
    if (line === "") {
      continue;
    }
    if (gitUrlSchema.safeParse(line).success) {
      urls.push(line);
    } else {
      invalid.push(line);
    }
  }
  return { urls, invalid };
}

/** Writes the node choices back: enabled nodes go into the request, turned-off defaults are remembered. */
export function applyNodeChoices(config: DeployConfig, choices: readonly NodeChoice[]): DeployConfig {
  const nodes = choices.filter((choice) => choice.enabled).map((choice) => {
    const existing = config.request.custom_nodes.find((node) => node.url === choice.url);
    return { url: choice.url, ref: existing?.ref ?? null };
  });
  return {
    ...config,
    request: { ...config.request, custom_nodes: nodes },
    disabled_default_nodes: choices.filter((choice) => choice.default && !choice.enabled).map((choice) => choice.url),
  };
}

/** Returns the request `deploy.start` takes, checked with the shared schema. */
export function deployRequestOf(config: DeployConfig): DeployRequest {
  return deployRequestSchema.parse(config.request);
}

/** Returns the imported sync rules the wizard creates on the instance; a mirror only once the user confirmed it. */
export function rulesToCreate(rules: readonly ImportedSyncRule[]): ImportedSyncRule[] {
  return rules.filter((rule) => rule.method !== "mirror" || rule.mirror_confirmed);
}

/** Counts of an import report by outcome. */
export function reportCounts(report: readonly ImportReportEntry[]): Record<ImportReportEntry["outcome"], number> {
  const counts = { applied: 0, rejected: 0, not_applied: 0 };
  for (const entry of report) {
    counts[entry.outcome] += 1;
  }
  return counts;
}

/** Formats a step's duration for the progress list (`1.2 s`, `3 min 05 s`); null before it ends. */
export function durationText(step: Pick<DeployStep, "duration_ms">): string | null {
  if (step.duration_ms === null) {
    return null;
  }
  const seconds = step.duration_ms / 1000;
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`;
  }
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${String(Math.floor(seconds % 60)).padStart(2, "0")} s`;
}

/** Whether the wizard should open by itself: nothing deployed yet, or a deploy running or stopped midway. */
export function wizardNeeded(plan: { deployed: boolean; running_deploy_id: string | null }): boolean {
  return !plan.deployed || plan.running_deploy_id !== null;
}
