import type { ApiFailure } from "../api/client";
import type { WireError } from "@comfycarry/shared";

/** The translate function as components get it from `useI18n`. */
type Translate = (key: string, named: Record<string, unknown>) => string;

/** Turns an error from the edge or the client into the user's language through `errors.<code>`. */
export function errorText(t: Translate, error: Pick<ApiFailure | WireError, "code" | "params">): string {
  return t(`errors.${error.code}`, error.params ?? {});
}
