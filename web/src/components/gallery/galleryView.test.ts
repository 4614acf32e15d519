import { GALLERY_RELAY_MAX_BYTES } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { fileUrl, fitsRelay, formatBytes, groupByDay, proxyOrigin, zipUrl } from "./galleryView";

import type { GalleryItem } from "@comfycarry/shared";

function item(path: string, modifiedAt: string): GalleryItem {
  return { path, name: path, kind: "image", size: 10, modified_at: modifiedAt, sync: "unknown" };
}

describe("groupByDay", () => {
  it("splits a newest-first list by local day", () => {
    const late = new Date(2026, 10, 20, 23, 0).toISOString();
    const early = new Date(2026, 10, 20, 1, 0).toISOString();
    const before = new Date(2026, 10, 19, 12, 0).toISOString();
    const groups = groupByDay([item("c.png", late), item("b.png", early), item("a.png", before)]);
    expect(groups.map((group) => group.day)).toEqual(["2026-11-20", "2026-11-19"]);
    expect(groups[0]?.items.map((entry) => entry.path)).toEqual(["c.png", "b.png"]);
  });

  it("returns nothing for no items", () => {
    expect(groupByDay([])).toEqual([]);
  });
});

describe("proxyOrigin", () => {
  it("uses the first web link of an online tunnel", () => {
    const origin = proxyOrigin({ available: true, state: "online", links: [{ name: "bad", url: "javascript:alert(1)" }, { name: "ComfyUI", url: "https://abc.trycloudflare.com/path" }] });
    expect(origin).toBe("https://abc.trycloudflare.com");
  });

  it("is null while the tunnel connects", () => {
    expect(proxyOrigin({ available: true, state: "connecting", links: [{ name: "ComfyUI", url: "https://abc.trycloudflare.com" }] })).toBeNull();
  });

  it("is null without a tunnel section", () => {
    expect(proxyOrigin({ available: false, reason: "not_configured" })).toBeNull();
  });
});

describe("gallery links", () => {
  it("encodes the file path", () => {
    expect(fileUrl("https://x.example", "output", "sub dir/a&b.png", true)).toBe("https://x.example/__cc/gallery/file?root=output&path=sub+dir%2Fa%26b.png&download=1");
  });

  it("names the stored selection", () => {
    expect(zipUrl("https://x.example", "abc_DEF-123")).toBe("https://x.example/__cc/gallery/zip?selection=abc_DEF-123");
  });

  it("allows the relay up to the limit", () => {
    expect(fitsRelay({ size: GALLERY_RELAY_MAX_BYTES })).toBe(true);
    expect(fitsRelay({ size: GALLERY_RELAY_MAX_BYTES + 1 })).toBe(false);
  });

  it("formats sizes in binary units", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536 * 1024)).toBe("1.5 MiB");
  });
});
