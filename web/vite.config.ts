
import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vite";

// `npm run dev` runs Vite behind the mock edge (dev/mock-edge-server.ts). To develop
// against a real edge instead, run `COMFYCARRY_EDGE_URL=http://127.0.0.1:8787 npx vite`:
// /api, sockets included, is then proxied to it.
const edgeUrl = process.env.COMFYCARRY_EDGE_URL;
const proxy = edgeUrl === undefined ? undefined : { "/api": { target: edgeUrl, ws: true } };

export default defineConfig({
  plugins: [vue()],
  server: { host: "127.0.0.1", proxy },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The size script reads the manifest to find the entry chunk and its static imports.
    manifest: true,
    chunkSizeWarningLimit: 600,
  },
});
