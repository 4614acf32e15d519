import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [vue()],
        test: {
          name: "unit",
          // Components need a DOM; happy-dom is lighter than jsdom on a 2-core machine.
          environment: "happy-dom",
          include: ["src/**/*.test.ts", "dev/**/*.test.ts"],
          setupFiles: ["src/test/setup.ts"],
        },
      },
      {
        test: {
          name: "e2e",
          environment: "node",
          include: ["e2e/**/*.test.ts"],
          // Each file starts the whole stack (workerd, PM2, simulator, reporter) and a
          // Chromium; two at once on a 2-core machine only slow each other down.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
