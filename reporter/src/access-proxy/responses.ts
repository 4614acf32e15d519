import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/** Sends a JSON error in the edge's shape, `{ error: { code, message } }`. */
export function sendError(response: ServerResponse, status: number, code: string, message: string): void {
  response.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  response.end(`${JSON.stringify({ error: { code, message } })}\n`);
}

/** Rejects a socket upgrade with an HTTP status and a short JSON error, then closes the socket. */
export function rejectUpgrade(socket: Duplex, status: number, reason: string, code: string, message: string): void {
  const body = `${JSON.stringify({ error: { code, message } })}\n`;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/** Sends a small bilingual HTML page for a failed login, with a link back to the dashboard. */
export function sendLoginFailedPage(response: ServerResponse, dashboardUrl: string): void {
  const link = escapeHtml(dashboardUrl);
  response.writeHead(401, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  response.end(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>登录链接无效 / Login link invalid</title></head>
<body style="font-family: system-ui, sans-serif; padding: 24px">
<h1>登录链接无效或已过期</h1>
<p>请回到 <a href="${link}">ComfyCarry 控制台</a>，再次点击“打开 ComfyUI”。</p>
<h1 lang="en">This login link is invalid or has expired</h1>
<p lang="en">Go back to the <a href="${link}">ComfyCarry dashboard</a> and click "Open ComfyUI" again.</p>
</body></html>
`);
}

/** Redirects a browser with no session to the instance's page on the dashboard, where "Open ComfyUI" issues a ticket. */
export function redirectToDashboard(request: IncomingMessage, response: ServerResponse, dashboardUrl: string): void {
  response.writeHead(302, { location: dashboardUrl, "cache-control": "no-store" });
  response.end(request.method === "HEAD" ? undefined : `Sign in through the ComfyCarry dashboard: ${dashboardUrl}\n`);
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}
