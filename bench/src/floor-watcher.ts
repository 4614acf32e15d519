/**
 * The smallest useful ComfyUI watcher: it receives every /ws frame, parses it as JSON, and
 * forwards step progress at most once per interval over one WebSocket. The latency bench
 * runs it beside the reporter on the same frames, so the reporter's CPU has a floor from
 * the same run to be read against. Node runs this file as is (type stripping), with the
 * reporter's flags.
 *
 * Usage: node floor-watcher.ts COMFYUI_URL SINK_WS_URL INTERVAL_MS
 */
import { randomUUID } from "node:crypto";

import WebSocket from "ws";

const [comfyuiUrl, sinkUrl, intervalText] = process.argv.slice(2);
if (comfyuiUrl === undefined || sinkUrl === undefined || intervalText === undefined) {
  console.error("usage: node floor-watcher.ts COMFYUI_URL SINK_WS_URL INTERVAL_MS");
  process.exit(2);
}
const intervalMs = Number(intervalText);

const sink = new WebSocket(sinkUrl, { perMessageDeflate: false });
const comfyui = new WebSocket(`${comfyuiUrl.replace(/^http/, "ws")}/ws?clientId=${randomUUID().replaceAll("-", "")}`, { perMessageDeflate: false });
let lastSentAt = Number.NEGATIVE_INFINITY;

comfyui.on("open", () => {
  const announce = () => sink.send(JSON.stringify({ type: "ready" }));
  if (sink.readyState === WebSocket.OPEN) {
    announce();
  } else {
    sink.once("open", announce);
  }
});

comfyui.on("message", (data, isBinary) => {
  if (isBinary) {
    return;
  }
  const frame: unknown = JSON.parse(data.toString());
  if (typeof frame !== "object" || frame === null || !("type" in frame) || frame.type !== "progress" || !("data" in frame)) {
    return;
  }
  const now = performance.now();
  if (now - lastSentAt < intervalMs || sink.readyState !== WebSocket.OPEN) {
    return;
  }
  lastSentAt = now;
  sink.send(JSON.stringify({ type: "event", at: new Date().toISOString(), progress: frame.data }));
});

for (const socket of [sink, comfyui]) {
  socket.on("error", (error) => {
    console.error(`floor watcher: ${error.message}`);
    process.exit(1);
  });
}
