import { flushPromises } from "@vue/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";

import { mountApp } from "../../test/mountApp";
import TokensStep from "./TokensStep.vue";

import type { TokenCheckResult } from "@comfycarry/shared";

/** Stubs the token check route with `result` for every token. */
function stubCheck(result: Omit<TokenCheckResult, "name">): void {
  vi.stubGlobal("fetch", (url: string) => {
    const name = /\/api\/config\/tokens\/(\w+)\/check$/.exec(url)?.[1];
    if (name === undefined) {
      return Promise.reject(new Error(`no stub for ${url}`));
    }
    return Promise.resolve(Response.json({ name, ...result }));
  });
}

async function checkSavedToken(locale: "en" | "zh-CN") {
  const wrapper = mountApp(TokensStep, { props: { stored: { civitai_token: true, hf_token: false } }, locale });
  await wrapper.get("[data-testid=deploy-token-check]").trigger("click");
  await flushPromises();
  return wrapper;
}

describe("TokensStep", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    document.body.innerHTML = "";
  });

  it("says in Chinese the token was rejected", async () => {
    stubCheck({ stored: true, valid: false, account: null, detail: "HTTP 401 Unauthorized" });

    const wrapper = await checkSavedToken("zh-CN");
    const result = wrapper.get("[data-testid=deploy-token-result]");

    expect(result.text()).toContain("服务方拒绝了这个令牌。");
    expect(result.get("details").text()).toContain("HTTP 401 Unauthorized");
    wrapper.unmount();
  });

  it("tells an unreachable host apart", async () => {
    stubCheck({ stored: true, valid: null, account: null, detail: "getaddrinfo ENOTFOUND civitai.com" });

    const wrapper = await checkSavedToken("en");

    expect(wrapper.get("[data-testid=deploy-token-result]").text()).toContain("The host could not be reached to check the token.");
    wrapper.unmount();
  });
});
