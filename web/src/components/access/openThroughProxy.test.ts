import { afterEach, describe, expect, it, vi } from "vitest";

import { openThroughProxy, proxyLoginUrl } from "./openThroughProxy";

const TICKET = `cc1.gpu-1.1767225660000.${"n".repeat(22)}.${"s".repeat(43)}`;

/** Stubs fetch with the edge's ticket response, recording each request. */
function stubTicketRoute(status = 201): { url: string; body: unknown }[] {
  const calls: { url: string; body: unknown }[] = [];
  vi.stubGlobal("fetch", (url: string, init: RequestInit) => {
    calls.push({ url, body: JSON.parse(String(init.body)) });
    const body =
      status === 201
        ? { ticket: TICKET, expires_at: "2026-01-01T00:01:00.000Z", login_path: `/__cc/login?ticket=${TICKET}&next=%2Fqueue` }
        : { error: { code: "forbidden", message: "owner only" } };
    return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } }));
  });
  return calls;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("proxyLoginUrl", () => {
  it("asks the edge for a ticket for the instance", async () => {
    const calls = stubTicketRoute();
    await proxyLoginUrl("gpu-1", "https://abc.trycloudflare.com/queue");
    expect(calls[0]?.url).toBe("/api/instances/gpu-1/access-ticket");
  });

  it("passes the link's path as next", async () => {
    const calls = stubTicketRoute();
    await proxyLoginUrl("gpu-1", "https://abc.trycloudflare.com/queue?x=1");
    expect(calls[0]?.body).toEqual({ next: "/queue?x=1" });
  });

  it("puts the login path on the link's origin", async () => {
    stubTicketRoute();
    const result = await proxyLoginUrl("gpu-1", "https://abc.trycloudflare.com/queue");
    expect(result).toEqual({ ok: true, value: `https://abc.trycloudflare.com/__cc/login?ticket=${TICKET}&next=%2Fqueue` });
  });

  it("returns the edge's refusal", async () => {
    stubTicketRoute(403);
    const result = await proxyLoginUrl("gpu-1", "https://abc.trycloudflare.com/");
    expect(result.ok ? null : result.error.code).toBe("forbidden");
  });
});

describe("openThroughProxy", () => {
  it("sends the new tab to the login address", async () => {
    stubTicketRoute();
    const tab = { opener: {} as unknown, location: { href: "about:blank" }, close: vi.fn() };
    vi.spyOn(window, "open").mockReturnValue(tab as unknown as Window);
    await openThroughProxy("gpu-1", "https://abc.trycloudflare.com/queue");
    expect(tab.location.href).toBe(`https://abc.trycloudflare.com/__cc/login?ticket=${TICKET}&next=%2Fqueue`);
  });

  it("cuts the new tab's link to the dashboard", async () => {
    stubTicketRoute();
    const tab = { opener: {} as unknown, location: { href: "about:blank" }, close: vi.fn() };
    vi.spyOn(window, "open").mockReturnValue(tab as unknown as Window);
    await openThroughProxy("gpu-1", "https://abc.trycloudflare.com/");
    expect(tab.opener).toBeNull();
  });

  it("closes the new tab when no ticket comes", async () => {
    stubTicketRoute(403);
    const tab = { opener: {} as unknown, location: { href: "about:blank" }, close: vi.fn() };
    vi.spyOn(window, "open").mockReturnValue(tab as unknown as Window);
    await openThroughProxy("gpu-1", "https://abc.trycloudflare.com/");
    expect(tab.close).toHaveBeenCalled();
  });
});
