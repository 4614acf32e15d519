import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Builds dist/ once, so the tests run the same bundle that bin/nvidia-smi runs.
    globalSetup: ["test/build-bundle.ts"],
  },
});
