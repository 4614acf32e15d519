import { dateEnUS, enUS } from "naive-ui";

import en from "./en.json";
import { mergeFeatureMessages } from "./featureFiles";

import type { NaiveUiLocale } from "../i18n/naiveLocale";
import type { Messages } from "./featureFiles";

// One module per locale, so the build puts each language into its own chunk and a
// visitor downloads only the language they read.

/** English messages: the core file plus every `features/*.en.json`. */
const enMessages: Messages = mergeFeatureMessages("en", en, import.meta.glob<Messages>("./features/*.en.json", { eager: true, import: "default" }));

export default enMessages;

/** Naive UI's English texts, which Naive UI also uses as its default. */
export const naiveUiLocale: NaiveUiLocale = { locale: enUS, dateLocale: dateEnUS };
