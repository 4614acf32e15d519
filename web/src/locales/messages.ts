import en from "./en.json";
import zhCN from "./zh-CN.json";

// Each feature page keeps its messages in its own pair of files,
// `features/<feature>.en.json` and `features/<feature>.zh-CN.json`, which land under the
// top-level key `<feature>`. Pages written side by side then never edit the same file.

type Messages = Record<string, unknown>;

const featureFiles = import.meta.glob<Messages>("./features/*.json", { eager: true, import: "default" });

/** Returns the feature messages of one locale, keyed by feature name. */
function featureMessages(locale: "en" | "zh-CN"): Messages {
  const out: Messages = {};
  for (const [path, messages] of Object.entries(featureFiles)) {
    const match = /\/([a-z][a-zA-Z0-9]*)\.(en|zh-CN)\.json$/.exec(path);
    if (match === null) {
      throw new Error(`locale file ${path} is not named <feature>.<en|zh-CN>.json`);
    }
    const [, feature, fileLocale] = match;
    if (feature === undefined || fileLocale !== locale) {
      continue;
    }
    if (feature in en) {
      throw new Error(`locale file ${path} reuses the top-level key "${feature}" of the core messages`);
    }
    out[feature] = messages;
  }
  return out;
}

/** English messages: the core file plus every feature file. */
export const enMessages = { ...en, ...featureMessages("en") };

/** Simplified Chinese messages: the core file plus every feature file. */
export const zhCNMessages = { ...zhCN, ...featureMessages("zh-CN") };
