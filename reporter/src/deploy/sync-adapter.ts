/**
 * The deploy engine's view of cloud sync, over the reporter's SyncService. A restore copies
 * each backed-up folder down once (in parallel, through one `rclone rcd`, see
 * restore-session.ts) before the pull rules run, because push and two-way rules never pull
 * on their own.
 */
import type { Logger } from "../log/logger.js";
import { ruleInputSchema } from "../sync/rules/schema.js";
import type { SyncService } from "../sync/service/sync-service.js";
import { ensurePresetRule, sameFolders } from "./preset-rules.js";
import { openRestoreSession } from "./restore-session.js";
import type { DeploySyncPort, RestoreSummary } from "./sync-port.js";

export interface SyncAdapterOptions {
  service: SyncService;
  rcloneBinary: string;
  workspaceDir: string;
  log: Logger;
}

export function syncPortFrom(options: SyncAdapterOptions): DeploySyncPort {
  const { service } = options;
  return {
    async checkRemote(remote) {
      try {
        const result = await service.engine().testRemote(remote, 20_000);
        return result.ok ? null : (result.failure?.message ?? "the listing failed");
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    },

    ensurePreset(preset, place) {
      return ensurePresetRule(service.engine(), preset, place);
    },

    exportRules() {
      return service
        .engine()
        .listRules()
        .map(({ id: _id, created_at: _created, updated_at: _updated, ...input }) => input);
    },

    async importRules(rules, onLine) {
      const engine = service.engine();
      const created: string[] = [];
      for (const input of rules) {
        const parsed = ruleInputSchema.safeParse(input);
        if (!parsed.success) {
          onLine(`a saved sync rule was left out: ${parsed.error.issues[0]?.message ?? "invalid"}`);
          continue;
        }
        const saved = parsed.data;
        if (engine.listRules().some((rule) => sameFolders(rule, saved))) {
          continue;
        }
        try {
          created.push((await engine.createRule(input)).name);
        } catch (error) {
          onLine(`sync rule "${saved.name}" was left out: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      return created;
    },

    openRestore() {
      return openRestoreSession(options);
    },

    async runPullRules(onLine) {
      const engine = service.engine();
      const summary: RestoreSummary = { rules: [], failed: [] };
      for (const record of await engine.runRestore()) {
        const name = engine.listRules().find((rule) => rule.id === record.rule_id)?.name ?? record.rule_id;
        if (record.status === "success") {
          summary.rules.push(name);
          onLine(`${name}: pulled ${record.files} files`);
        } else {
          summary.failed.push({ rule: name, reason: record.error_message ?? record.error_code ?? record.status });
        }
      }
      return summary;
    },
  };
}
