import { afterEach, describe, expect, it, vi } from "vitest";

import { AUDIT_PAGE_SIZE, auditQuery, emptyAuditFilters, useAuditLog } from "./useAuditLog";

import type { AuditEntry } from "@comfycarry/shared";

function entry(id: number): AuditEntry {
  return { id, at: "2026-02-19T09:00:00.000Z", actor: { kind: "owner", name: "owner" }, instance_id: null, action: "service.restart", args: { name: "comfy" }, result: "ok" };
}

function page(ids: number[], nextBefore: number | null): Response {
  return new Response(JSON.stringify({ entries: ids.map(entry), next_before: nextBefore }), { status: 200 });
}

describe("auditQuery", () => {
  it("leaves out empty filters", () => {
    expect(auditQuery({ ...emptyAuditFilters(), actor: "  " })).toEqual({ limit: AUDIT_PAGE_SIZE });
  });

  it("sends since as a UTC timestamp", () => {
    expect(auditQuery({ ...emptyAuditFilters(), since: Date.UTC(2026, 1, 19, 9) }).since).toBe("2026-02-19T09:00:00.000Z");
  });

  it("passes every set filter and the page", () => {
    const filters = { instanceId: "studio-4090", actor: "backup", action: "service.restart", result: "forbidden" as const, since: null };
    expect(auditQuery(filters, 77)).toEqual({ limit: AUDIT_PAGE_SIZE, instance_id: "studio-4090", actor: "backup", action: "service.restart", result: "forbidden", before: 77 });
  });
});

describe("useAuditLog", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("appends the next page", async () => {
    const fetch = vi.fn().mockResolvedValueOnce(page([9, 8], 8)).mockResolvedValueOnce(page([7], null));
    vi.stubGlobal("fetch", fetch);
    const audit = useAuditLog();
    await audit.search(emptyAuditFilters());
    await audit.more();
    expect(audit.entries.value.map((item) => item.id)).toEqual([9, 8, 7]);
    expect(fetch).toHaveBeenLastCalledWith(`/api/audit?limit=${AUDIT_PAGE_SIZE}&before=8`, expect.anything());
    expect(audit.nextBefore.value).toBeNull();
  });

  it("starts over on a new search", async () => {
    vi.stubGlobal("fetch", vi.fn().mockResolvedValueOnce(page([9, 8], 8)).mockResolvedValueOnce(page([5], null)));
    const audit = useAuditLog();
    await audit.search(emptyAuditFilters());
    await audit.search({ ...emptyAuditFilters(), actor: "owner" });
    expect(audit.entries.value.map((item) => item.id)).toEqual([5]);
  });

  it("drops the reply to an older search", async () => {
    let releaseFirst: (response: Response) => void = () => undefined;
    const first = new Promise<Response>((resolve) => {
      releaseFirst = resolve;
    });
    vi.stubGlobal("fetch", vi.fn().mockReturnValueOnce(first).mockResolvedValueOnce(page([3], null)));
    const audit = useAuditLog();
    const older = audit.search(emptyAuditFilters());
    await audit.search({ ...emptyAuditFilters(), action: "secret.set" });
    releaseFirst(page([9], null));
    await older;
    expect(audit.entries.value.map((item) => item.id)).toEqual([3]);
  });
});
