import { describe, expect, it } from "vitest";

import { createAppI18n } from "../i18n/eager";
import { failureText } from "./useFailureText";

import type { ApiFailure } from "../api/client";

const en = createAppI18n({ locale: "en", strict: true }).global.t;
const zh = createAppI18n({ locale: "zh-CN", strict: true }).global.t;

function failure(code: ApiFailure["code"], params?: ApiFailure["params"]): ApiFailure {
  return { code, message: "from the edge", params, status: 400 };
}

describe("failureText", () => {
  it("gives a short wait in seconds", () => {
    expect(failureText(en, failure("rate_limited", { retry_after_s: 42 }))).toBe("Too many attempts. Try again in 42 s.");
  });

  it("gives a long wait in minutes, rounded up", () => {
    expect(failureText(en, failure("rate_limited", { retry_after_s: 601 }))).toBe("Too many attempts. Try again in 11 min.");
  });

  it("speaks Chinese about the wait", () => {
    expect(failureText(zh, failure("rate_limited", { retry_after_s: 900 }))).toBe("尝试次数过多，请在 15 分钟后重试。");
  });

  it("falls back to the plain text without a wait", () => {
    expect(failureText(en, failure("rate_limited"))).toBe("Too many attempts. Wait a moment and try again.");
  });

  it("names the needed and the held scope", () => {
    expect(failureText(en, failure("forbidden", { needed: "control", held: "read" }))).toBe("This needs the control scope; the token used has only read.");
  });

  it("ignores scope params it does not know", () => {
    expect(failureText(en, failure("forbidden", { needed: "root", held: "read" }))).toBe("You are not allowed to do this.");
  });

  it("reads any other code as errors.<code>", () => {
    expect(failureText(en, failure("not_found"))).toBe("Not found. The instance may have been removed.");
  });
});
