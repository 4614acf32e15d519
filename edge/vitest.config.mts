// Edge tests run inside workerd through the Workers Vitest integration, against the Worker
// and Durable Objects that wrangler.toml declares.
import { fileURLToPath } from "node:url";

import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

import { ensureAssets } from "./scripts/ensure-assets.mjs";

// wrangler.toml names web/dist for static assets, and the runtime will not start without it.
ensureAssets();

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: fileURLToPath(new URL("../wrangler.toml", import.meta.url)) },
      miniflare: {
        // Fixed test secrets; tests that need other settings pass their own env to `app.request`.
        bindings: {
          DASHBOARD_PASSWORD: "correct horse battery staple",
          SESSION_SECRET: "test-session-secret-0123456789abcdef",
          SECRETS_KEY: "test-secrets-key-0123456789abcdef0123",
          // Provider API for auto-stop tests; the base URL is a stub host that tests answer with a fetch mock.
          VAST_API_KEY: "test-vast-key",
          VAST_BASE_URL: "https://vast.stub",
        },
      },
    }),
  ],
  test: {
    root: fileURLToPath(new URL(".", import.meta.url)),
    include: ["test/**/*.test.ts"],
    // Socket tests wait on real frames; each wait has its own shorter timeout that names what it waited for.
    testTimeout: 15_000,
    // The edge logs a JSON line per event; show them only for failing tests.
    silent: "passed-only",
  },
});
