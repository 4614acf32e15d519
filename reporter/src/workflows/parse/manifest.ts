/** Builds the manifest of one workflow file in either ComfyUI format. */
import { MANIFEST_FORMAT, MANIFEST_VERSION } from "@comfycarry/shared";
import type { WorkflowManifest } from "@comfycarry/shared";
import { z } from "zod";

import { apiGraphSchema, flattenApiGraph } from "./api-graph.js";
import type { NodeCatalog } from "./catalog.js";
import type { FlatNode } from "./flat-node.js";
import { ModelSet, collectNodeModels } from "./models.js";
import { collectPacks } from "./packs.js";
import { flattenUiGraph } from "./ui-graph.js";
import { modelHintSchema, uiWorkflowSchema } from "./ui-schema.js";
import type { ModelHint } from "./ui-schema.js";

export type WorkflowFormat = "ui" | "api";

/** A workflow that could not be read; the message names what is wrong. */
export class WorkflowParseError extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Tells the UI format (`nodes` array) from the API format (every value has `class_type`);
 * a `POST /prompt` body `{ prompt: {...} }` counts as API format.
 */
export function detectFormat(json: unknown): { format: WorkflowFormat; graph: unknown } | null {
  if (!isRecord(json)) {
    return null;
  }
  if (Array.isArray(json["nodes"])) {
    return { format: "ui", graph: json };
  }
  const graph = isRecord(json["prompt"]) ? json["prompt"] : json;
  const values = Object.values(graph);
  if (values.length > 0 && values.every((value) => isRecord(value) && typeof value["class_type"] === "string")) {
    return { format: "api", graph };
  }
  return null;
}

function issueText(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
    .join("; ");
}

function flatten(format: WorkflowFormat, graph: unknown): { nodes: FlatNode[]; hints: ModelHint[] } {
  if (format === "api") {
    const parsed = apiGraphSchema.safeParse(graph);
    if (!parsed.success) {
      throw new WorkflowParseError(`invalid API-format workflow: ${issueText(parsed.error)}`);
    }
    return { nodes: flattenApiGraph(parsed.data), hints: [] };
  }
  const parsed = uiWorkflowSchema.safeParse(graph);
  if (!parsed.success) {
    throw new WorkflowParseError(`invalid UI-format workflow: ${issueText(parsed.error)}`);
  }
  return { nodes: flattenUiGraph(parsed.data), hints: parsed.data.models ?? [] };
}

function nodeHints(node: FlatNode): ModelHint[] {
  const parsed = z.array(modelHintSchema).safeParse(node.properties["models"]);
  return parsed.success ? parsed.data : [];
}

/** The ComfyUI version recent frontends save on core nodes (`cnr_id: comfy-core`, `ver`). */
function comfyuiRef(nodes: FlatNode[]): string | null {
  for (const node of nodes) {
    const version = node.properties["ver"];
    if (node.properties["cnr_id"] === "comfy-core" && typeof version === "string" && version !== "") {
      return version;
    }
  }
  return null;
}

export interface ParsedWorkflow {
  format: WorkflowFormat;
  manifest: WorkflowManifest;
}

/** Reads a decoded workflow file and returns its manifest; `path` is recorded as the manifest's workflow. */
export function parseWorkflow(json: unknown, path: string, catalog: NodeCatalog): ParsedWorkflow {
  const detected = detectFormat(json);
  if (detected === null) {
    throw new WorkflowParseError(`${path} is neither a UI-format workflow (with a "nodes" list) nor an API-format prompt (nodes with "class_type")`);
  }
  const { nodes, hints } = flatten(detected.format, detected.graph);

  const models = new ModelSet();
  for (const node of nodes) {
    collectNodeModels(node, (classType) => catalog.isCore(classType), models);
  }
  for (const node of nodes) {
    nodeHints(node).forEach((hint) => models.applyHint(hint, node));
  }
  hints.forEach((hint) => models.applyHint(hint, null));

  const inactive = nodes
    .filter((node) => node.mode !== "active")
    .map((node) => ({ node: node.id, class_type: node.classType, mode: node.mode === "muted" ? ("muted" as const) : ("bypassed" as const) }))
    .sort((left, right) => left.node.localeCompare(right.node, "en", { numeric: true }));

  return {
    format: detected.format,
    manifest: {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      comfyui: { ref: comfyuiRef(nodes) },
      models: models.list(),
      custom_nodes: collectPacks(nodes, catalog),
      inactive_nodes: inactive,
      workflows: [path],
    },
  };
}
