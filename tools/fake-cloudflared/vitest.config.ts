import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Builds dist/ once, so the tests run the same bundle that bin/cloudflared runs.
    globalSetup: ["test/build-bundle.ts"],
    testTimeout: 20_000,
  },
});
