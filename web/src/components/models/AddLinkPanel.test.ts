import { flushPromises } from "@vue/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";

import { mountApp } from "../../test/mountApp";
import AddLinkPanel from "./AddLinkPanel.vue";
import { commandFetch, jobWith, previewWith } from "./fixtures";

const LINK = "https://civitai.com/models/11?modelVersionId=111";

async function previewed(stub: ReturnType<typeof commandFetch>) {
  vi.stubGlobal("fetch", stub.fetch);
  const wrapper = mountApp(AddLinkPanel, { props: { instanceId: "gpu-1", disabled: false } });
  await wrapper.get("[data-testid=add-url] input").setValue(LINK);
  await wrapper.get("[data-testid=add-preview]").trigger("click");
  await flushPromises();
  return wrapper;
}

describe("AddLinkPanel", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("shows the resolved link, name, size and folder", async () => {
    const wrapper = await previewed(commandFetch({ "downloads.preview": () => previewWith() }));
    expect(wrapper.get("[data-testid=preview-url]").text()).toBe("https://civitai.com/api/download/models/111");
    expect(wrapper.get("[data-testid=preview-name]").text()).toBe("inkwash_xl_v2.safetensors");
    expect(wrapper.get("[data-testid=preview-size]").text()).toBe("1 MiB");
    expect(wrapper.get("[data-testid=preview-folder]").text()).toBe("loras/SDXL 1.0");
  });

  it("downloads every picked file", async () => {
    const stub = commandFetch({ "downloads.preview": () => previewWith(), "downloads.add": (args) => ({ outcome: "added", job: jobWith({ id: String(args.civitai_file_id) }) }) });
    const wrapper = await previewed(stub);
    await wrapper.get("[data-testid=pick-1112]").trigger("click");
    expect(wrapper.get("[data-testid=add-start]").text()).toBe("Download 2 files");
    await wrapper.get("[data-testid=add-start]").trigger("click");
    await flushPromises();
    expect(stub.bodies.filter((body) => body.name === "downloads.add").map((body) => body.args)).toEqual([
      { url: LINK, civitai_file_id: 1111 },
      { url: LINK, civitai_file_id: 1112 },
    ]);
    expect(wrapper.findComponent(AddLinkPanel).emitted("added")).toHaveLength(1);
  });

  it("shows a token failure in words", async () => {
    const stub = commandFetch({});
    stub.fetch = () =>
      Promise.resolve(
        new Response(JSON.stringify({ command_id: "5b8f2a8e-0c41-4d7e-9a55-1f6a2d9c3b10", ok: false, error: { code: "download_failed", message: "x", params: { reason: "token_required", host: "civitai.com" } } }), {
          status: 200,
          headers: { "content-type": "application/json" },
        }),
      );
    const wrapper = await previewed(stub);
    expect(wrapper.get("[data-testid=add-error]").text()).toContain("Token required or invalid for civitai.com");
  });

  it("asks before adding a duplicate", async () => {
    const stub = commandFetch({ "downloads.preview": () => previewWith({ civitai_files: undefined, civitai_file_id: undefined }), "downloads.add": () => ({ outcome: "duplicate", preview: previewWith() }) });
    const wrapper = await previewed(stub);
    await wrapper.get("[data-testid=add-start]").trigger("click");
    await flushPromises();
    expect(document.body.textContent).toContain("inkwash_xl_v2.safetensors looks like a duplicate");
  });
});
