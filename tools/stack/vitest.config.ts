import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each file starts a whole stack (workerd, PM2, simulator, reporter); running them
    // side by side on a 2-core machine only makes every one of them slower.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
