import { useI18n } from "vue-i18n";

import { errorText } from "../lib/errorText";

import type { ApiFailure } from "../api/client";
import type { WireError } from "@comfycarry/shared";

/** The translate function as components get it from `useI18n`. */
type Translate = (key: string, named?: Record<string, unknown>) => string;

const SCOPES = new Set(["read", "control", "admin"]);

/** Returns the message's parameter as a number, or null when the edge sent none. */
function numberParam(error: Pick<ApiFailure | WireError, "params">, name: string): number | null {
  const value = error.params?.[name];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function scopeParam(error: Pick<ApiFailure | WireError, "params">, name: string): string | null {
  const value = error.params?.[name];
  return typeof value === "string" && SCOPES.has(value) ? value : null;
}

/**
 * Turns a failure into the user's language, with the details the edge sent in `params`: how
 * long a throttled caller must wait, and which scope a refused token needed and held. Other
 * failures read as `errors.<code>`.
 */
export function failureText(t: Translate, error: Pick<ApiFailure | WireError, "code" | "params">): string {
  if (error.code === "rate_limited") {
    const seconds = numberParam(error, "retry_after_s");
    if (seconds !== null) {
      const wait = seconds >= 120 ? t("settings.errorDetails.minutes", { n: Math.ceil(seconds / 60) }) : t("settings.errorDetails.seconds", { n: Math.max(1, Math.ceil(seconds)) });
      return t("settings.errorDetails.retryAfter", { wait });
    }
  }

  if (error.code === "forbidden") {
    const needed = scopeParam(error, "needed");
    const held = scopeParam(error, "held");
    if (needed !== null && held !== null) {
      return t("settings.errorDetails.scope", { needed: t(`settings.errorDetails.scopes.${needed}`), held: t(`settings.errorDetails.scopes.${held}`) });
    }
  }
  return errorText(t, error);
}

/** `failureText` bound to the component's i18n. */
export function useFailureText(): (error: Pick<ApiFailure | WireError, "code" | "params">) => string {
  const { t } = useI18n();
  return (error) => failureText(t, error);
}
