import { describe, expect, it } from "vitest";

import { runGalleryZipBench } from "../src/gallery-zip.js";
import type { GalleryZipBenchResult } from "../src/gallery-zip.js";

// The quick run checks only the direction of the target on small images: the recorded
// figures come from `npm run gallery-zip -w @comfycarry/bench` and land in docs/benchmarks.md.
describe("gallery zip bench, quick mode", () => {
  let result: GalleryZipBenchResult;

  it("streams every image", async () => {
    result = await runGalleryZipBench({ images: 300, imageBytes: 100_000 });
    expect(result.zip.bytes).toBeGreaterThan(result.totalImageBytes);
  }, 180_000);

  it("keeps RSS growth under 20 MB", () => {
    expect(result.zip.rssGrowthBytes).toBeLessThan(20_000_000);
  });
});
