import { h } from "vue";

import type { VNodeChild } from "vue";

/**
 * Builds toast content for Naive UI's `message` API: the translated text, then the
 * reporter's English message in smaller type, so a toast leads with the user's language.
 */
export function withRawDetail(text: string, detail: string): () => VNodeChild {
  return () => h("div", [h("div", text), h("div", { class: "cc-small cc-wrap", lang: "en" }, detail)]);
}
