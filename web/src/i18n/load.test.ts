import { describe, expect, it } from "vitest";

import { mergeFeatureMessages } from "../locales/featureFiles";
import { applyLocale, loadAppI18n } from "./index";

import type { LocaleSwitchTarget } from "./index";

describe("loadAppI18n", () => {
  it("loads only the active locale", async () => {
    const i18n = await loadAppI18n({ locale: "zh-CN", strict: true });

    expect(i18n.global.availableLocales).toEqual(["zh-CN"]);
  });

  it("includes feature messages", async () => {
    const i18n = await loadAppI18n({ locale: "en", strict: true });

    expect(i18n.global.t("tunnel.nav")).toBe("Tunnel");
  });
});

describe("applyLocale", () => {
  it("loads the new locale before switching", async () => {
    const i18n = await loadAppI18n({ locale: "zh-CN", strict: true });

    const switched = await applyLocale(i18n.global, "en");

    expect(switched).toBe(true);
    expect(i18n.global.locale.value).toBe("en");
    expect(i18n.global.t("header.logout")).toBe("Log out");
  });

  it("stores the choice and sets lang", async () => {
    const i18n = await loadAppI18n({ locale: "en", strict: true });

    await applyLocale(i18n.global, "zh-CN");

    expect(localStorage.getItem("comfycarry.locale")).toBe("zh-CN");
    expect(document.documentElement.lang).toBe("zh-CN");
  });

  it("keeps the locale when loading fails", async () => {
    const target: LocaleSwitchTarget = {
      locale: { value: "en" },
      availableLocales: ["en"],
      setLocaleMessage: () => {
        throw new Error("chunk download failed");
      },
    };

    const switched = await applyLocale(target, "zh-CN");

    expect(switched).toBe(false);
    expect(target.locale.value).toBe("en");
  });
});

describe("mergeFeatureMessages", () => {
  it("nests a feature file under its name", () => {
    const merged = mergeFeatureMessages("en", { app: {} }, { "./features/tunnel.en.json": { nav: "Tunnel" } });

    expect(merged["tunnel"]).toEqual({ nav: "Tunnel" });
  });

  it("rejects a misnamed file", () => {
    expect(() => mergeFeatureMessages("en", {}, { "./features/Tunnel-en.json": {} })).toThrow(/is not named/);
  });

  it("rejects another locale's file", () => {
    expect(() => mergeFeatureMessages("en", {}, { "./features/tunnel.zh-CN.json": {} })).toThrow(/collected for locale en/);
  });

  it("rejects a reused core key", () => {
    expect(() => mergeFeatureMessages("en", { header: {} }, { "./features/header.en.json": {} })).toThrow(/reuses the top-level key/);
  });
});
