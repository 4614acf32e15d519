/**
 * @module Active alert counts per instance in the fleet object's KV storage. Instance objects
 * write their counts when alerts change, so the status bar reads one object instead of waking
 * every instance.
 */
import { instanceAlertSummarySchema } from "@comfycarry/shared";
import type { InstanceAlertSummary } from "@comfycarry/shared";
import { z } from "zod";

const SUMMARY_KEY = "alerts.summary";
const summariesSchema = z.record(z.string(), instanceAlertSummarySchema);

export class AlertSummaryStore {
  constructor(private readonly kv: SyncKvStorage) {}

  /** Stores one instance's counts; an instance with no active alert is removed from the map. */
  set(summary: InstanceAlertSummary): void {
    const all = this.all();
    if (summary.active === 0) {
      delete all[summary.instance_id];
    } else {
      all[summary.instance_id] = summary;
    }
    this.kv.put(SUMMARY_KEY, all);
  }

  /** Returns the counts of the instances in `known`; entries of removed instances are skipped. */
  list(known: ReadonlySet<string>): InstanceAlertSummary[] {
    return Object.values(this.all()).filter((summary) => known.has(summary.instance_id));
  }

  private all(): Record<string, InstanceAlertSummary> {
    const parsed = summariesSchema.safeParse(this.kv.get(SUMMARY_KEY));
    return parsed.success ? parsed.data : {};
  }
}
