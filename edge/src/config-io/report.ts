/** @module Collects the import report: one entry per field of the imported file. */
import type { ImportReportEntry, SecretName } from "@comfycarry/shared";

export class ImportReport {
  readonly entries: ImportReportEntry[] = [];

  applied(field: string, target: string, note: string | null = null): void {
    this.entries.push({ field, outcome: "applied", target, reason: note });
  }

  rejected(field: string, reason: string): void {
    this.entries.push({ field, outcome: "rejected", target: null, reason });
  }

  notApplied(field: string, reason: string): void {
    this.entries.push({ field, outcome: "not_applied", target: null, reason });
  }
}

/** Secrets an import found, by their name in the edge's secret store. */
export type FoundSecrets = Partial<Record<SecretName, string>>;
