import { flushPromises } from "@vue/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";

import { mountApp } from "../../test/mountApp";
import { commandFetch } from "./fixtures";
import LibraryPanel from "./LibraryPanel.vue";

import type { AppLocale } from "../../i18n";
import type { LibraryItem } from "@comfycarry/shared";

const PATH = "/workspace/ComfyUI/models/loras/ink.safetensors";

const item: LibraryItem = {
  path: PATH,
  folder: "loras",
  relative_path: "ink.safetensors",
  name: "ink.safetensors",
  size_bytes: 200 * 1024 * 1024,
  modified_at: "2026-12-04T10:00:00.000Z",
  sha256: "cd".repeat(32),
  hash_state: "done",
  civitai_state: "found",
  civitai: {
    model_id: 11,
    model_name: "Ink Wash Style",
    model_type: "LORA",
    version_id: 111,
    version_name: "v2.0",
    base_model: "SDXL 1.0",
    trained_words: ["inkwash style"],
    preview_url: null,
    page_url: "https://civitai.com/models/11?modelVersionId=111",
  },
  duplicate_count: 1,
};

function libraryFetch(sidecars = ["/workspace/ComfyUI/models/loras/ink.preview.png"]) {
  return commandFetch({
    "models.list": () => ({ items: [item], total: 1, folders: [{ folder: "loras", count: 1, size_bytes: item.size_bytes }], hash_pending: 0, scanned_at: "2026-12-04T10:00:00.000Z" }),
    "models.details": () => ({ item, sidecars, duplicates: ["/workspace/ComfyUI/models/loras/old/ink.safetensors"] }),
    "models.delete": () => ({ deleted: [PATH] }),
  });
}

async function mountLibrary(stub: ReturnType<typeof commandFetch>, locale: AppLocale = "en") {
  vi.stubGlobal("fetch", stub.fetch);
  const wrapper = mountApp(LibraryPanel, { props: { instanceId: "gpu-1", disabled: false, libraryVersion: 0 }, locale });
  await flushPromises();
  return wrapper;
}

describe("LibraryPanel", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("lists files under their CivitAI name", async () => {
    const wrapper = await mountLibrary(libraryFetch());
    const row = wrapper.get("[data-testid=library-item]");
    expect(row.text()).toContain("Ink Wash Style");
    expect(row.text()).toContain("Copies elsewhere: 1");
    expect(wrapper.get("[data-testid=library-summary]").text()).toBe("1 file, 200 MiB");
  });

  it("shows hash, trigger words and sidecars in the details", async () => {
    const wrapper = await mountLibrary(libraryFetch());
    await wrapper.get("[data-testid=library-item]").trigger("click");
    await flushPromises();
    expect(document.body.querySelector("[data-testid=details-sha256]")?.textContent).toBe("cd".repeat(32));
    expect(document.body.textContent).toContain("inkwash style");
    expect(document.body.textContent).toContain("ink.preview.png");
  });

  it("deletes only after confirmation", async () => {
    const stub = libraryFetch();
    const wrapper = await mountLibrary(stub);
    await wrapper.get("[data-testid=library-item]").trigger("click");
    await flushPromises();
    document.body.querySelector<HTMLButtonElement>("[data-testid=details-delete]")?.click();
    await flushPromises();
    expect(document.body.textContent).toContain("Delete ink.safetensors and its sidecar file? This cannot be undone.");
    expect(stub.bodies.some((body) => body.name === "models.delete")).toBe(false);

    const confirm = [...document.body.querySelectorAll<HTMLButtonElement>(".n-dialog button")].find((button) => button.textContent?.trim() === "Delete");
    confirm?.click();
    await flushPromises();
    expect(stub.bodies.filter((body) => body.name === "models.delete")).toEqual([{ name: "models.delete", args: { path: PATH, confirm: true } }]);
  });

  async function deleteDialogText(sidecars: string[], locale: AppLocale = "en"): Promise<string> {
    const wrapper = await mountLibrary(libraryFetch(sidecars), locale);
    await wrapper.get("[data-testid=library-item]").trigger("click");
    await flushPromises();
    document.body.querySelector<HTMLButtonElement>("[data-testid=details-delete]")?.click();
    await flushPromises();
    return document.body.querySelector(".n-dialog")?.textContent ?? "";
  }

  it("asks without sidecars when there are none", async () => {
    const text = await deleteDialogText([]);

    expect(text).toContain("Delete ink.safetensors? This cannot be undone.");
    expect(text).not.toContain("sidecar");
  });

  it("counts several sidecars in the delete dialog", async () => {
    const text = await deleteDialogText(["/workspace/ComfyUI/models/loras/ink.preview.png", "/workspace/ComfyUI/models/loras/ink.civitai.info"]);

    expect(text).toContain("Delete ink.safetensors and its 2 sidecar files?");
  });

  it("asks in Chinese without sidecars when there are none", async () => {
    const text = await deleteDialogText([], "zh-CN");

    expect(text).toContain("删除 ink.safetensors？此操作无法撤销。");
  });

  it("counts files in the Chinese summary", async () => {
    const wrapper = await mountLibrary(libraryFetch(), "zh-CN");

    expect(wrapper.get("[data-testid=library-summary]").text()).toBe("1 个文件，共 200 MiB");
  });
});
