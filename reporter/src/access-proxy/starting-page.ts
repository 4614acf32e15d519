import type { IncomingMessage, ServerResponse } from "node:http";

/** Seconds between reloads of the "starting" page. */
const REFRESH_SECONDS = 3;

const PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<title>ComfyUI 正在启动… / ComfyUI is starting…</title>
<style>
body { font-family: system-ui, sans-serif; display: flex; min-height: 100vh; margin: 0; align-items: center; justify-content: center; background: #18181c; color: #e8e8ea; }
main { text-align: center; padding: 24px; }
p { color: #a0a0a8; }
</style>
</head>
<body>
<main id="comfycarry-starting">
<h1>ComfyUI 正在启动…</h1>
<p>页面会在 ComfyUI 就绪后自动打开，每 ${REFRESH_SECONDS} 秒检查一次。</p>
<h1 lang="en">ComfyUI is starting…</h1>
<p lang="en">This page opens ComfyUI by itself once it is ready; it checks every ${REFRESH_SECONDS} seconds.</p>
</main>
</body>
</html>
`;

/**
 * Sends the self-refreshing "starting" page. Behind Cloudflare (a `Cf-Ray` header) the status
 * is 200, because Cloudflare replaces a 502 page with its own error page, which never reloads.
 * Directly on the proxy it is 502, so scripts and health checks see that ComfyUI is down.
 */
export function sendStartingPage(request: IncomingMessage, response: ServerResponse): void {
  const behindCloudflare = request.headers["cf-ray"] !== undefined;
  response.writeHead(behindCloudflare ? 200 : 502, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "retry-after": String(REFRESH_SECONDS),
  });
  response.end(request.method === "HEAD" ? undefined : PAGE);
}

/** Returns whether the request is a browser opening a page, which gets the "starting" page instead of an error. */
export function isPageNavigation(request: IncomingMessage): boolean {
  const accept = request.headers.accept ?? "";
  return (request.method === "GET" || request.method === "HEAD") && accept.includes("text/html");
}
