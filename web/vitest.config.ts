import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [vue()],
  test: {
    // Components need a DOM; happy-dom is lighter than jsdom on a 2-core machine.
    environment: "happy-dom",
    include: ["src/**/*.test.ts", "dev/**/*.test.ts"],
    setupFiles: ["src/test/setup.ts"],
  },
});
