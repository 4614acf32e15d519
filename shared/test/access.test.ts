import { describe, expect, it } from "vitest";

import { accessTicketRequestSchema, accessTicketSignedText, splitAccessTicket } from "../src/access.js";

const SIGNATURE = "a".repeat(43);
const NONCE = "n".repeat(22);

describe("access ticket format", () => {
  it("splits a well-formed ticket", () => {
    const ticket = `${accessTicketSignedText("gpu-1", 1767225660000, NONCE)}.${SIGNATURE}`;
    expect(splitAccessTicket(ticket)).toEqual({ instanceId: "gpu-1", expiresAtMs: 1767225660000, nonce: NONCE, signed: `cc1.gpu-1.1767225660000.${NONCE}`, signature: SIGNATURE });
  });

  it.each([
    ["another version", `cc2.gpu-1.1.${NONCE}.${SIGNATURE}`],
    ["an upper-case instance", `cc1.GPU.1.${NONCE}.${SIGNATURE}`],
    ["a short signature", `cc1.gpu-1.1.${NONCE}.abc`],
    ["an extra field", `cc1.gpu-1.1.${NONCE}.x.${SIGNATURE}`],
    ["a negative expiry", `cc1.gpu-1.-1.${NONCE}.${SIGNATURE}`],
  ])("rejects %s", (_case, ticket) => {
    expect(splitAccessTicket(ticket)).toBeNull();
  });
});

describe("access ticket request", () => {
  it.each(["//evil.example/", "/\\evil.example", "https://evil.example/", "queue"])("rejects next %s", (next) => {
    expect(accessTicketRequestSchema.safeParse({ next }).success).toBe(false);
  });

  it("accepts a path with a query", () => {
    expect(accessTicketRequestSchema.safeParse({ next: "/queue?tab=history" }).success).toBe(true);
  });
});
