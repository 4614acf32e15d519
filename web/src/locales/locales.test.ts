import { ERROR_CODES } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { detectLocale } from "../i18n";
import { createAppI18n } from "../i18n/eager";
import { enMessages as en, zhCNMessages as zhCN } from "./messages";

/** Flattens nested messages into dotted keys. */
function flatten(messages: object, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(messages)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (typeof value === "string") {
      out.set(path, value);
    } else if (typeof value === "object" && value !== null) {
      for (const [inner, text] of flatten(value, path)) {
        out.set(inner, text);
      }
    }
  }
  return out;
}

const enKeys = flatten(en);
const zhKeys = flatten(zhCN);

// zh-CN values without Chinese characters: brand and product names, units and format
// strings made only of parameters. Anything else left in English is a missing translation.
const NOT_CHINESE_ALLOWED = new Set([
  "app.name",
  "header.languages.en",
  "fleet.columns.gpu",
  "fleet.columns.comfyui",
  "fleet.gpuValue",
  "quickLinks.comfyui",
  "status.comfyui.label",
  "status.tunnel.label",
  "metrics.gpu",
  "metrics.powerValue",
  "services.cpu",
  "env.comfyui",
  "env.pytorch",
  "env.python",
  "env.gpu",
  "env.dashboard",
  "trends.series",
  "sync.progress.file",
  "models.queue.progress",
]);

describe("locale files", () => {
  it("have the same keys in zh-CN and en", () => {
    expect([...zhKeys.keys()].sort()).toEqual([...enKeys.keys()].sort());
  });

  it("translate every zh-CN value into Chinese", () => {
    const untranslated = [...zhKeys].filter(([key, text]) => !NOT_CHINESE_ALLOWED.has(key) && !/\p{Script=Han}/u.test(text)).map(([key]) => key);
    expect(untranslated).toEqual([]);
  });

  it("keep the allow-list to keys that exist", () => {
    const stale = [...NOT_CHINESE_ALLOWED].filter((key) => !zhKeys.has(key));
    expect(stale).toEqual([]);
  });

  it.each(ERROR_CODES)("explain error code %s in both languages", (code) => {
    expect(enKeys.get(`errors.${code}`)).toBeTruthy();
    expect(zhKeys.get(`errors.${code}`)).toBeTruthy();
  });

  it("use the same parameters in both languages", () => {
    // Plural forms repeat a parameter, so each is counted once.
    const params = (text: string) => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]))].sort();
    const mismatched = [...enKeys].filter(([key, text]) => JSON.stringify(params(text)) !== JSON.stringify(params(zhKeys.get(key) ?? ""))).map(([key]) => key);
    expect(mismatched).toEqual([]);
  });
});

describe("strict i18n", () => {
  it("throws on a missing key", () => {
    const i18n = createAppI18n({ locale: "en", strict: true });
    expect(() => i18n.global.t("status.nope")).toThrow(/missing i18n key "status.nope"/);
  });

  it("translates a present key", () => {
    const i18n = createAppI18n({ locale: "zh-CN", strict: true });
    expect(i18n.global.t("activity.idle")).toBe("一切就绪，等待任务");
  });
});

describe("detectLocale", () => {
  it("prefers the stored choice", () => {
    expect(detectLocale("en", ["zh-CN"])).toBe("en");
  });

  it("picks zh-CN for any Chinese browser language", () => {
    expect(detectLocale(null, ["zh-TW", "en"])).toBe("zh-CN");
  });

  it("falls back to English", () => {
    expect(detectLocale(null, ["de-DE"])).toBe("en");
  });

  it("ignores an unknown stored value", () => {
    expect(detectLocale("fr", ["zh"])).toBe("zh-CN");
  });
});
