import { describe, expect, it } from "vitest";

import { failWith, stubCommands } from "../../composables/testing/commandStub";
import { ThumbnailLoader } from "./thumbnailLoader";

const WEBP = btoa("RIFF....WEBPVP8 ");

describe("ThumbnailLoader", () => {
  it("requests each thumbnail once", async () => {
    const sent = stubCommands({ "gallery.thumbnail": (args) => ({ path: String(args.path), mime: "image/webp", data_base64: WEBP }) });
    const loader = new ThumbnailLoader("gpu-1");
    const urls = await Promise.all([loader.load("output", "a.png"), loader.load("output", "a.png"), loader.load("output", "b.png")]);
    await loader.load("output", "a.png");
    expect(sent).toHaveLength(2);
    expect(loader.requests).toBe(2);
    expect(urls[0]).toBe(urls[1]);
    await loader.dispose();
  });

  it("returns null for files without a picture", async () => {
    stubCommands({ "gallery.thumbnail": (args) => ({ path: String(args.path), mime: "image/webp", data_base64: null }) });
    const loader = new ThumbnailLoader("gpu-1");
    expect(await loader.load("output", "notes.txt")).toBeNull();
  });

  it("retries after a failed request", async () => {
    let calls = 0;
    stubCommands({
      "gallery.thumbnail": (args) => {
        calls += 1;
        return calls === 1 ? failWith("command_timeout", "timed out") : { path: String(args.path), mime: "image/webp", data_base64: WEBP };
      },
    });
    const loader = new ThumbnailLoader("gpu-1");
    await expect(loader.load("output", "slow.png")).rejects.toThrow("command_timeout");
    expect(await loader.load("output", "slow.png")).not.toBeNull();
    expect(calls).toBe(2);
    await loader.dispose();
  });
});
