import type { WorkflowSummary } from "@comfycarry/shared";

// Counts and labels the Workflows page derives from one workflow's summary.

type ModelRow = WorkflowSummary["models"][number];
type PackRow = WorkflowSummary["custom_nodes"][number];

/** Counts of required models and packs that are missing, which the install action would change. */
export interface MissingCounts {
  models: number;
  /** Missing models with no download source; the install action cannot fetch these. */
  modelsWithoutSource: number;
  packs: number;
  /** Classes no catalog maps to a pack. */
  unknownClasses: number;
}

export function missingCounts(workflow: WorkflowSummary): MissingCounts {
  const models = workflow.models.filter((model) => model.required && !model.present);
  const packs = workflow.custom_nodes.filter((pack) => pack.required && !pack.present);
  const unknown = packs.filter((pack) => pack.repository === null && pack.id === null);
  return {
    models: models.length,
    modelsWithoutSource: models.filter((model) => model.sources.length === 0 || model.folder === null).length,
    packs: packs.length - unknown.length,
    unknownClasses: unknown.reduce((sum, pack) => sum + pack.class_types.length, 0),
  };
}

/** True when the install action has something it can do. */
export function canInstall(counts: MissingCounts): boolean {
  return counts.models - counts.modelsWithoutSource > 0 || counts.packs > 0;
}

/** Returns a model's shown path: `folder/name`, or the bare name for a model of unknown folder. */
export function modelPath(model: Pick<ModelRow, "folder" | "name">): string {
  return model.folder === null ? model.name : `${model.folder}/${model.name}`;
}

/** Returns the file name, for searching CivitAI or Hugging Face. */
export function modelFileName(model: Pick<ModelRow, "name">): string {
  return model.name.split("/").at(-1) ?? model.name;
}

/** Returns a pack's display name: the repository's `owner/repo`, else its registry id, else null for unknown classes. */
export function packName(pack: Pick<PackRow, "repository" | "id">): string | null {
  if (pack.repository !== null) {
    return pack.repository.replace(/^https?:\/\/(www\.)?github\.com\//, "").replace(/\.git$/, "");
  }
  return pack.id;
}

/** Returns a row's state tag: present, missing, or not needed (only inactive nodes use it). */
export function rowState(row: { required: boolean; present: boolean }): "present" | "missing" | "optional" {
  if (row.present) {
    return "present";
  }
  return row.required ? "missing" : "optional";
}
