import { useDialog, useMessage } from "naive-ui";
import { h } from "vue";
import { useI18n } from "vue-i18n";

import { removeInstance } from "../../api/settings";
import { useFailureText } from "../../composables/useFailureText";
import { removalRisk } from "./fleetView";

import type { FleetRow } from "./fleetView";

/**
 * Removes instances after a confirmation that names every instance whose files are not
 * known to be on the cloud remote, since removing one whose container is then destroyed
 * can lose them.
 */
export function useFleetRemoval(onRemoved: () => Promise<void>) {
  const dialog = useDialog();
  const message = useMessage();
  const describe = useFailureText();
  const { t } = useI18n();

  function warnings(rows: FleetRow[]): string[] {
    const lines: string[] = [];
    for (const row of rows) {
      const risk = removalRisk(row);
      if (risk?.kind === "unsynced") {
        lines.push(t("fleet.remove.unsynced", { name: row.summary.name, files: risk.files }));
      } else if (risk?.kind === "unknown") {
        lines.push(t("fleet.remove.unknown", { name: row.summary.name }));
      }
    }
    return lines;
  }

  async function removeAll(rows: FleetRow[]): Promise<void> {
    let removed = 0;
    for (const row of rows) {
      const result = await removeInstance(row.summary.instance_id);
      if (!result.ok) {
        message.error(describe(result.error));
        break;
      }
      removed += 1;
    }
    if (removed > 0) {
      message.success(t("fleet.remove.done", { count: removed }));
    }
    await onRemoved();
  }

  /** Asks for confirmation, with a warning per risky instance, then removes `rows` one by one. */
  function confirmRemoval(rows: FleetRow[]): void {
    if (rows.length === 0) {
      return;
    }
    const risky = warnings(rows);
    dialog.warning({
      title: t("fleet.remove.title", { count: rows.length }),
      content: () =>
        h("div", { "data-testid": "remove-confirm" }, [
          h("p", t("fleet.remove.body")),
          ...risky.map((line) => h("p", { class: "cc-small", style: "color: var(--cc-red)", "data-testid": "remove-warning" }, line)),
        ]),
      positiveText: t("fleet.remove.confirm"),
      negativeText: t("fleet.remove.cancel"),
      onPositiveClick: () => removeAll(rows),
    });
  }

  return { confirmRemoval };
}
