import {
  apiTokenCreatedSchema,
  apiTokenListSchema,
  auditPageSchema,
  enrollmentKeyCreatedSchema,
  enrollmentKeyListSchema,
  instanceTokenSchema,
  secretListSchema,
  setupStatusSchema,
} from "@comfycarry/shared";

import { requestEmpty, requestJson } from "./client";

import type { ApiScope, AuditQuery, SecretName } from "@comfycarry/shared";

// The owner's routes behind the Settings and first-run pages. Responses are parsed with the
// schemas in shared/src/security.ts; no route here ever returns a stored secret's value.

const encode = encodeURIComponent;

/** Asks whether the first-run page is needed (anonymous). */
export function fetchSetupStatus() {
  return requestJson("GET", "/api/auth/setup", setupStatusSchema, { expectUnauthorized: true });
}

/** Sets the owner password with the deploy's one-time setup code; the edge starts a session. */
export function completeSetup(setupCode: string, password: string) {
  return requestEmpty("POST", "/api/auth/setup", { body: { setup_code: setupCode, password }, expectUnauthorized: true });
}

/**
 * Changes the owner password. Every other session ends and this one gets a new cookie.
 * A wrong current password returns 401, which must not count as an expired session.
 */
export function changePassword(currentPassword: string, newPassword: string) {
  return requestEmpty("POST", "/api/auth/password", { body: { current_password: currentPassword, new_password: newPassword }, expectUnauthorized: true });
}

/** Ends every session, this one included. */
export function revokeAllSessions() {
  return requestEmpty("POST", "/api/auth/sessions/revoke-all");
}

export function listApiTokens() {
  return requestJson("GET", "/api/tokens", apiTokenListSchema);
}

/** Creates an API token; the response is the only time its value is shown. */
export function createApiToken(name: string, scope: ApiScope) {
  return requestJson("POST", "/api/tokens", apiTokenCreatedSchema, { body: { name, scope } });
}

export function revokeApiToken(id: string) {
  return requestEmpty("DELETE", `/api/tokens/${encode(id)}`);
}

export function listEnrollmentKeys() {
  return requestJson("GET", "/api/enrollment-keys", enrollmentKeyListSchema);
}

/** Creates an enrollment key; the response is the only time its value is shown. */
export function createEnrollmentKey(name: string) {
  return requestJson("POST", "/api/enrollment-keys", enrollmentKeyCreatedSchema, { body: { name } });
}

export function revokeEnrollmentKey(id: string) {
  return requestEmpty("DELETE", `/api/enrollment-keys/${encode(id)}`);
}

export function renameInstance(instanceId: string, name: string) {
  return requestEmpty("PATCH", `/api/instances/${encode(instanceId)}`, { body: { name } });
}

/** Issues a new reporter token; the old one stops working and the connected reporter is closed. */
export function rotateInstanceToken(instanceId: string) {
  return requestJson("POST", `/api/instances/${encode(instanceId)}/token`, instanceTokenSchema);
}

/** Revokes the reporter token; the reporter is disconnected before this returns. */
export function revokeInstanceToken(instanceId: string) {
  return requestEmpty("DELETE", `/api/instances/${encode(instanceId)}/token`);
}

export function removeInstance(instanceId: string) {
  return requestEmpty("DELETE", `/api/instances/${encode(instanceId)}`);
}

/** Lists which secrets are set and when; never their values. */
export function listSecrets() {
  return requestJson("GET", "/api/secrets", secretListSchema);
}

export function setSecret(name: SecretName, value: string) {
  return requestEmpty("PUT", `/api/secrets/${encode(name)}`, { body: { value } });
}

export function clearSecret(name: SecretName) {
  return requestEmpty("DELETE", `/api/secrets/${encode(name)}`);
}

/** Builds the query string of `GET /api/audit`, leaving out unset filters. */
export function auditSearch(query: AuditQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== "") {
      params.set(key, String(value));
    }
  }
  const search = params.toString();
  return search === "" ? "" : `?${search}`;
}

/** Fetches one page of the audit log, newest first. */
export function fetchAudit(query: AuditQuery) {
  return requestJson("GET", `/api/audit${auditSearch(query)}`, auditPageSchema);
}
