import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Our own tests plus the folders helper modules add under test/ (sources, pm2, fixtures).
    include: ["test/**/*.test.ts"],
    // Tests start real sockets, the ComfyUI simulator and PM2 daemons; two cores are shared.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Forks give each file its own process, so node:sqlite and PM2 state never leak between files.
    pool: "forks",
    maxWorkers: 2,
  },
});
