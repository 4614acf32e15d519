/**
 * Stands in for Cloudflare's edge in front of the tunnel: with `FAKE_CLOUDFLARED_EYEBALL=1` the
 * fake listens on 127.0.0.1 and forwards each request to the ingress rule its `Host` matches,
 * adding the headers Cloudflare adds (`Cf-Ray`, `Cf-Connecting-Ip`, `X-Forwarded-For`,
 * `X-Forwarded-Proto`). `Host` is passed on unchanged, as cloudflared does. An origin that
 * refuses the connection gives cloudflared's log line and a 502.
 */
import { randomBytes } from "node:crypto";
import { createServer, request as httpRequest } from "node:http";
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { connect } from "node:net";

import type { IngressRule } from "./config.js";
import type { Logger } from "./log.js";
import type { TunnelState } from "./metrics.js";

function pickRule(ingress: IngressRule[], host: string | undefined): IngressRule | null {
  const name = (host ?? "").split(":")[0] ?? "";
  return ingress.find((rule) => rule.hostname === undefined || rule.hostname === name) ?? null;
}

function cloudflareHeaders(request: IncomingMessage): Record<string, string> {
  const ray = `${randomBytes(8).toString("hex")}-AMS`;
  return { "cf-ray": ray, "cf-connecting-ip": "203.0.113.7", "x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https", "cf-visitor": '{"scheme":"https"}', host: request.headers.host ?? "" };
}

/** Starts the listener and records its address in `state.eyeballAddress`, which `/fake/eyeball` serves. */
export async function startEyeball(state: TunnelState, log: Logger): Promise<Server> {
  const server = createServer((request, response) => {
    const rule = pickRule(state.ingress, request.headers.host);
    const status = /^http_status:(\d{3})$/.exec(rule?.service ?? "http_status:503");
    if (rule === null || status !== null) {
      response.writeHead(Number(status?.[1] ?? 503)).end();
      return;
    }

    const target = new URL(request.url ?? "/", rule.service);
    const upstream = httpRequest(target, { method: request.method, headers: { ...request.headers, ...cloudflareHeaders(request) } }, (origin) => {
      response.writeHead(origin.statusCode ?? 502, origin.headers);
      origin.pipe(response);
    });
    upstream.on("error", (error) => {
      log.error("", { error: `Unable to reach the origin service. The service may be down or it may not be responding to traffic from cloudflared: ${error.message}`, event: 1, ingressRule: 0, originService: rule.service });
      if (!response.headersSent) {
        response.writeHead(502).end();
      }
    });
    request.pipe(upstream);
  });

  // WebSocket upgrades go through as raw bytes after the request head, with the same headers added.
  server.on("upgrade", (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const rule = pickRule(state.ingress, request.headers.host);
    if (rule === null || !/^https?:\/\//.test(rule.service)) {
      socket.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
      return;
    }
    const target = new URL(rule.service);
    const origin = connect(Number(target.port || 80), target.hostname, () => {
      const headers = { ...request.headers, ...cloudflareHeaders(request) };
      const lines = Object.entries(headers).flatMap(([key, value]) => (value === undefined ? [] : (Array.isArray(value) ? value : [value]).map((item) => `${key}: ${item}`)));
      origin.write(`${request.method ?? "GET"} ${request.url ?? "/"} HTTP/1.1\r\n${lines.join("\r\n")}\r\n\r\n`);
      origin.write(head);
      origin.pipe(socket);
      socket.pipe(origin);
    });
    origin.on("error", () => socket.destroy());
    socket.on("error", () => origin.destroy());
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.eyeballAddress = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  log.info(`Fake eyeball listener on ${state.eyeballAddress}`);
  return server;
}
