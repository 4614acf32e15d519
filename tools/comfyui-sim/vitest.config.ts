import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Builds dist/ once, so every test runs the bundle that `comfyui-sim` and PM2 run.
    globalSetup: ["test/build-bundle.ts"],
    // Each file starts its own simulator processes; the suite shares two cores with other work.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
