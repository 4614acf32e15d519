import type { Alert } from "@comfycarry/shared";

/** Returns the i18n key and named values of an alert's sentence, e.g. `alerts.rules.disk_usage`. */
export function alertMessage(alert: Pick<Alert, "rule" | "params">): { key: string; values: Record<string, string | number> } {
  const values: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(alert.params)) {
    values[name] = typeof value === "number" || typeof value === "string" ? value : String(value);
  }
  return { key: `alerts.rules.${alert.rule}`, values };
}

/** Active alerts first, the most severe first, then newest first. */
export function sortAlerts(alerts: readonly Alert[]): Alert[] {
  const rank = (alert: Alert): number => (alert.state === "active" ? 0 : 2) + (alert.severity === "critical" ? 0 : 1);
  return [...alerts].sort((a, b) => rank(a) - rank(b) || b.raised_at.localeCompare(a.raised_at));
}
