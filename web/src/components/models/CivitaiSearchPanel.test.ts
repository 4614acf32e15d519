import { flushPromises } from "@vue/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";

import { mountApp } from "../../test/mountApp";
import CivitaiSearchPanel from "./CivitaiSearchPanel.vue";
import { previewWith } from "./fixtures";

import type { CivitaiModel } from "@comfycarry/shared";

const model: CivitaiModel = {
  id: 11,
  name: "Inkwash XL",
  type: "LORA",
  nsfw: false,
  creator: "mei",
  download_count: 1234,
  tags: [],
  versions: [{ id: 111, name: "v2", base_model: "SDXL 1.0", published_at: null, trained_words: [], preview_url: null, files: previewWith().civitai_files ?? [] }],
};

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** Stubs fetch with one answer per call and records the URLs asked for. */
function stubFetch(...answers: Response[]) {
  const urls: string[] = [];
  vi.stubGlobal("fetch", (url: string) => {
    urls.push(url);
    return Promise.resolve(answers.shift() ?? json({ error: { code: "internal_error", message: "no more answers" } }, 500));
  });
  return urls;
}

async function searched(disabled = false) {
  const wrapper = mountApp(CivitaiSearchPanel, { props: { instanceId: "gpu-1", disabled } });
  await wrapper.get("[data-testid=civitai-query] input").setValue(" inkwash ");
  await wrapper.get("[data-testid=civitai-go]").trigger("click");
  await flushPromises();
  return wrapper;
}

describe("CivitaiSearchPanel", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    document.body.innerHTML = "";
  });

  it("searches through the edge route, not an instance command", async () => {
    const urls = stubFetch(json({ items: [model], next_cursor: null }));
    await searched();
    expect(urls).toEqual(["/api/civitai/search?query=inkwash&sort=Most+Downloaded&nsfw=false"]);
  });

  it("lists each model found", async () => {
    stubFetch(json({ items: [model], next_cursor: null }));
    const wrapper = await searched();
    expect(wrapper.findAll("[data-testid=civitai-model]")).toHaveLength(1);
  });

  it("searches while the instance is offline", async () => {
    const urls = stubFetch(json({ items: [model], next_cursor: null }));
    await searched(true);
    expect(urls).toHaveLength(1);
  });

  it("keeps download picks off while the instance is offline", async () => {
    stubFetch(json({ items: [model], next_cursor: null }));
    const wrapper = await searched(true);
    expect(wrapper.get("[data-testid=civitai-download]").attributes("disabled")).toBeDefined();
  });

  it("emits the file's download link when picked", async () => {
    stubFetch(json({ items: [model], next_cursor: null }));
    const wrapper = await searched();
    await wrapper.get("[data-testid=civitai-download]").trigger("click");
    expect(wrapper.findComponent(CivitaiSearchPanel).emitted("pick")).toEqual([["https://civitai.com/api/download/models/111?fileId=1111"]]);
  });

  it("asks for the next page with the cursor", async () => {
    const urls = stubFetch(json({ items: [model], next_cursor: "c2" }), json({ items: [{ ...model, id: 12 }], next_cursor: null }));
    const wrapper = await searched();
    await wrapper.get("[data-testid=civitai-more]").trigger("click");
    await flushPromises();
    expect(urls[1]).toContain("cursor=c2");
    expect(wrapper.findAll("[data-testid=civitai-model]")).toHaveLength(2);
  });

  it("shows CivitAI's rate limit as a readable error", async () => {
    stubFetch(json({ error: { code: "download_failed", message: "x", params: { reason: "rate_limited", host: "civitai.com" } } }, 422));
    const wrapper = await searched();
    expect(wrapper.text()).toContain("The host is rate limiting requests");
  });
});
