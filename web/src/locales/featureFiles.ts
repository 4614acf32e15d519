// Each feature page keeps its messages in its own pair of files,
// `features/<feature>.en.json` and `features/<feature>.zh-CN.json`, which land under the
// top-level key `<feature>`. Pages written side by side then never edit the same file.

/** A locale's message tree as vue-i18n takes it. */
export type Messages = Record<string, unknown>;

const FEATURE_FILE = /\/([a-z][a-zA-Z0-9]*)\.(en|zh-CN)\.json$/;

/**
 * Merges one locale's core messages with its feature files, keyed by feature name.
 * Throws when a file name does not follow `<feature>.<en|zh-CN>.json`, belongs to another
 * locale, or reuses a top-level key of the core messages.
 */
export function mergeFeatureMessages(locale: "en" | "zh-CN", core: Messages, featureFiles: Record<string, Messages>): Messages {
  const merged: Messages = { ...core };
  for (const [path, messages] of Object.entries(featureFiles)) {
    const match = FEATURE_FILE.exec(path);
    if (match === null) {
      throw new Error(`locale file ${path} is not named <feature>.<en|zh-CN>.json`);
    }
    const [, feature, fileLocale] = match;
    if (feature === undefined || fileLocale !== locale) {
      throw new Error(`locale file ${path} was collected for locale ${locale}: fix the glob pattern in that locale's messages module`);
    }
    if (feature in core) {
      throw new Error(`locale file ${path} reuses the top-level key "${feature}" of the core messages`);
    }
    merged[feature] = messages;
  }
  return merged;
}
