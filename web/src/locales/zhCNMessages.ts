import { dateZhCN, zhCN as naiveZhCN } from "naive-ui";

import zhCN from "./zh-CN.json";
import { mergeFeatureMessages } from "./featureFiles";

import type { NaiveUiLocale } from "../i18n/naiveLocale";
import type { Messages } from "./featureFiles";

// One module per locale, so the build puts each language into its own chunk and a
// visitor downloads only the language they read.

/** Simplified Chinese messages: the core file plus every `features/*.zh-CN.json`. */
const zhCNMessages: Messages = mergeFeatureMessages("zh-CN", zhCN, import.meta.glob<Messages>("./features/*.zh-CN.json", { eager: true, import: "default" }));

export default zhCNMessages;

/** Naive UI's Chinese texts, in this chunk so that only zh-CN visitors download them. */
export const naiveUiLocale: NaiveUiLocale = { locale: naiveZhCN, dateLocale: dateZhCN };
