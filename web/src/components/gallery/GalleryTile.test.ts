import { afterEach, describe, expect, it } from "vitest";

import { mountApp } from "../../test/mountApp";
import GalleryTile from "./GalleryTile.vue";

import type { ThumbnailLoader } from "./thumbnailLoader";
import type { GalleryItem } from "@comfycarry/shared";

const LONG_NAME = "ComfyUI_portrait_studio_lighting_seed_123456789_upscaled_00042_.png";

const item: GalleryItem = { path: `portraits/${LONG_NAME}`, name: LONG_NAME, kind: "image", size: 2048, modified_at: "2026-12-04T10:00:00Z", sync: "unknown" };

// The tile never scrolls into view in happy-dom, so the loader is never called.
const loader = { load: () => new Promise<string>(() => undefined) } as unknown as ThumbnailLoader;

describe("GalleryTile", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("names the full path on hover", () => {
    const wrapper = mountApp(GalleryTile, { props: { item, root: "output", loader, selected: false } });

    expect(wrapper.get("[data-testid=gallery-name]").attributes("title")).toBe(item.path);
    wrapper.unmount();
  });

  it("unfolds the name on tap", async () => {
    const wrapper = mountApp(GalleryTile, { props: { item, root: "output", loader, selected: false } });
    const name = wrapper.get("[data-testid=gallery-name]");

    expect(name.classes()).not.toContain("expanded");
    await name.trigger("click");

    expect(name.classes()).toContain("expanded");
    expect(name.attributes("aria-expanded")).toBe("true");
    expect(name.text()).toBe(LONG_NAME);
    wrapper.unmount();
  });
});
