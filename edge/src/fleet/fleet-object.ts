/**
 * @module The fleet object: one Durable Object (named "fleet") that holds everything about the
 * deployment as a whole in SQLite: instances and their token hashes, the owner's password
 * hash, sessions, API tokens, enrollment keys, login throttling, the audit log and encrypted
 * secrets. Each table has its own store module; this class exposes them as RPC methods.
 * Password hashing and secret encryption run in the Worker, so this object stays quick.
 */
import { DurableObject } from "cloudflare:workers";
import type { InstanceAlertSummary } from "@comfycarry/shared";
import { SECRET_NAMES } from "@comfycarry/shared";
import type { ApiScope, ApiToken, AuditPage, AuditQuery, EnrollmentKey, SecretName } from "@comfycarry/shared";

import { DeployConfigStore } from "../config-io/config-store.js";
import type { StoredDeployConfig } from "../config-io/config-store.js";
import { AlertSummaryStore } from "../alerts/summary-store.js";
import type { Env } from "../env.js";
import { AuditStore } from "./audit-store.js";
import type { AuditRecord } from "./audit-store.js";
import { CredentialStore } from "./credential-store.js";
import type { CredentialKind } from "./credential-store.js";
import { InstanceRegistry } from "./instance-registry.js";
import type { EnrollOutcome, InstanceRecord } from "./instance-registry.js";
import { migrate } from "./migrations.js";
import { OwnerStore } from "./owner-store.js";
import type { OwnerRecord } from "./owner-store.js";
import { SecretStore } from "./secret-store.js";
import { SessionStore } from "./session-store.js";
import { ThrottleStore } from "./throttle-store.js";
import type { AttemptVerdict } from "./throttle-store.js";

export type { InstanceRecord } from "./instance-registry.js";

/** KV key of the sealed notification channel list. */
const NOTIFY_CHANNELS_KEY = "notify.channels";

export class FleetObject extends DurableObject<Env> {
  private readonly instances: InstanceRegistry;
  private readonly owner: OwnerStore;
  private readonly sessions: SessionStore;
  private readonly credentials: CredentialStore;
  private readonly throttle: ThrottleStore;
  private readonly audit: AuditStore;
  private readonly secrets: SecretStore;
  private readonly deployConfigs: DeployConfigStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrate(ctx.storage);
    const sql = ctx.storage.sql;
    this.instances = new InstanceRegistry(sql);
    this.owner = new OwnerStore(sql);
    this.sessions = new SessionStore(sql);
    this.credentials = new CredentialStore(sql);
    this.throttle = new ThrottleStore(sql);
    this.audit = new AuditStore(sql);
    this.secrets = new SecretStore(sql);
    this.deployConfigs = new DeployConfigStore(sql);
  }

  // Instances

  addInstance(record: InstanceRecord, tokenHash: string): boolean {
    return this.instances.add(record, tokenHash);
  }

  enrollByName(name: string, tokenHash: string, fresh: InstanceRecord): EnrollOutcome | null {
    return this.instances.enrollByName(name, tokenHash, fresh);
  }

  getInstance(instanceId: string): InstanceRecord | null {
    return this.instances.get(instanceId);
  }

  listInstances(): InstanceRecord[] {
    return this.instances.list();
  }

  findByTokenHash(tokenHash: string): InstanceRecord | null {
    return this.instances.findByTokenHash(tokenHash);
  }

  setInstanceTokenHash(instanceId: string, tokenHash: string | null): boolean {
    return this.instances.setTokenHash(instanceId, tokenHash);
  }

  renameInstance(instanceId: string, name: string): InstanceRecord | null {
    return this.instances.rename(instanceId, name);
  }

  removeInstance(instanceId: string): boolean {
    return this.instances.remove(instanceId);
  }

  // Owner and sessions

  ownerRecord(): OwnerRecord | null {
    return this.owner.get();
  }

  /** Stores a new owner password and ends every session, as a password change must. */
  replaceOwner(record: OwnerRecord): number {
    this.owner.set(record);
    return this.sessions.endAll();
  }

  setOwnerIfAbsent(record: OwnerRecord): boolean {
    return this.owner.setIfAbsent(record);
  }

  createSession(idHash: string, now: number, expiresAt: number): void {
    this.sessions.create(idHash, now, expiresAt);
  }

  checkSession(idHash: string, now: number): number | null {
    return this.sessions.check(idHash, now);
  }

  endSession(idHash: string): void {
    this.sessions.end(idHash);
  }

  endAllSessions(): number {
    return this.sessions.endAll();
  }

  beginLoginAttempt(address: string, now: number): AttemptVerdict {
    return this.throttle.begin(address, now);
  }

  loginSucceeded(address: string, now: number): void {
    this.throttle.succeed(address, now);
  }

  // API tokens and enrollment keys

  addCredential(kind: CredentialKind, id: string, name: string, scope: ApiScope | null, hash: string, now: number): void {
    this.credentials.add(kind, id, name, scope, hash, now);
  }

  revokeCredential(kind: CredentialKind, id: string): boolean {
    return this.credentials.revoke(kind, id);
  }

  listApiTokens(): ApiToken[] {
    return this.credentials.listApiTokens();
  }

  listEnrollmentKeys(): EnrollmentKey[] {
    return this.credentials.listEnrollmentKeys();
  }

  useApiToken(hash: string, now: number): ApiToken | null {
    return this.credentials.useApiToken(hash, now);
  }

  useEnrollmentKey(hash: string, now: number): EnrollmentKey | null {
    return this.credentials.useEnrollmentKey(hash, now);
  }

  // Audit log

  recordAudit(entry: AuditRecord): void {
    this.audit.record(entry);
  }

  queryAudit(filters: AuditQuery): AuditPage {
    return this.audit.query(filters);
  }

  // Secrets (ciphertext only)

  setSecret(name: SecretName, ciphertext: string, now: number): void {
    this.secrets.set(name, ciphertext, now);
  }

  clearSecret(name: SecretName): boolean {
    return this.secrets.clear(name);
  }

  secretStatus(): { name: SecretName; set: boolean; updated_at: string | null }[] {
    const updated = this.secrets.updatedAt();
    return SECRET_NAMES.map((name) => ({ name, set: updated.has(name), updated_at: updated.get(name) ?? null }));
  }

  secretCiphertext(name: SecretName): string | null {
    return this.secrets.ciphertext(name);
  }

  // Notification channels, sealed by the Worker (see notify/channels.ts); this object never opens them.

  notifyChannels(): string | null {
    const sealed = this.ctx.storage.kv.get(NOTIFY_CHANNELS_KEY);
    return typeof sealed === "string" ? sealed : null;
  }

  setNotifyChannels(sealed: string): void {
    this.ctx.storage.kv.put(NOTIFY_CHANNELS_KEY, sealed);
  }

  // Active alert counts, written by the instance objects

  setAlertSummary(summary: InstanceAlertSummary): void {
    new AlertSummaryStore(this.ctx.storage.kv).set(summary);
  }

  alertSummaries(): InstanceAlertSummary[] {
    const known = new Set(this.instances.list().map((record) => record.instance_id));
    return new AlertSummaryStore(this.ctx.storage.kv).list(known);
  }

  // Setup wizard values (no secrets)

  deployConfig(key: string): StoredDeployConfig | null {
    return this.deployConfigs.get(key);
  }

  setDeployConfig(key: string, body: string, now: number): void {
    this.deployConfigs.set(key, body, now);
  }
}
