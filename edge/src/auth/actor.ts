/**
 * @module Who is calling: the owner (by session cookie) or an API token with a scope. Scopes
 * nest, read < control < admin, and the owner has admin.
 */
import type { ApiScope, AuditActor } from "@comfycarry/shared";
import { z } from "zod";

export const actorSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("owner"), sessionIdHash: z.string(), expiresAt: z.number() }),
  z.object({ kind: z.literal("api_token"), tokenId: z.string(), name: z.string(), scope: z.enum(["read", "control", "admin"]) }),
]);
export type Actor = z.infer<typeof actorSchema>;

const RANK: Record<ApiScope, number> = { read: 0, control: 1, admin: 2 };

/** Returns the scope an actor holds. */
export function scopeOf(actor: Actor): ApiScope {
  return actor.kind === "owner" ? "admin" : actor.scope;
}

/** Returns whether `held` covers `needed`. */
export function scopeCovers(held: ApiScope, needed: ApiScope): boolean {
  return RANK[held] >= RANK[needed];
}

/** Returns the actor as the audit log names it. */
export function auditActor(actor: Actor): AuditActor {
  return actor.kind === "owner" ? { kind: "owner", name: "owner" } : { kind: "api_token", name: actor.name };
}

/** The caller of a browser socket, as the Worker passes it to an instance object to check scope and audit. */
export const socketActorSchema = z.object({ name: z.string(), kind: z.enum(["owner", "api_token"]), scope: z.enum(["read", "control", "admin"]) });
export type SocketActor = z.infer<typeof socketActorSchema>;

export function socketActor(actor: Actor): SocketActor {
  return actor.kind === "owner" ? { kind: "owner", name: "owner", scope: "admin" } : { kind: "api_token", name: actor.name, scope: actor.scope };
}
