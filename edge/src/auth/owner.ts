/**
 * @module The owner password as the edge uses it. DASHBOARD_PASSWORD, when set, is hashed into
 * the fleet object on first use; a different value later replaces whatever is stored and ends
 * every session (the reset path). Without it, the first-run page sets the password once with
 * the SETUP_CODE. A password changed in Settings stays until DASHBOARD_PASSWORD changes.
 */
import { fleetStub } from "../env.js";
import type { Env } from "../env.js";
import type { OwnerRecord } from "../fleet/owner-store.js";
import { log } from "../log.js";
import { hashPassword, verifyPassword } from "./password.js";
import type { PasswordHash } from "./password.js";
import { optionalSetting } from "./settings.js";

/**
 * The DASHBOARD_PASSWORD value this isolate has already matched against the stored
 * fingerprint, so the extra PBKDF2 run happens once per isolate, not on every login.
 */
let confirmedEnv: { value: string; fingerprint: string } | null = null;

async function adoptEnvPassword(env: Env, value: string, now: number): Promise<PasswordHash> {
  const password = await hashPassword(value);
  const record: OwnerRecord = { password, source: "env", envFingerprint: password, updatedAt: now };
  const ended = await fleetStub(env).replaceOwner(record);
  confirmedEnv = { value, fingerprint: password.hash };
  log.info({ endedSessions: ended }, "adopted DASHBOARD_PASSWORD as the owner password");
  return password;
}

/**
 * Returns the owner password hash in force, adopting DASHBOARD_PASSWORD when it is new, or
 * null when no password exists yet (first-run setup pending).
 */
export async function ownerPassword(env: Env, now: number = Date.now()): Promise<PasswordHash | null> {
  const stored = await fleetStub(env).ownerRecord();
  const fromEnv = optionalSetting(env.DASHBOARD_PASSWORD);
  if (fromEnv === null) {
    return stored?.password ?? null;
  }
  if (stored === null) {
    return adoptEnvPassword(env, fromEnv, now);
  }

  const fingerprint = stored.envFingerprint;
  if (fingerprint !== null && confirmedEnv?.value === fromEnv && confirmedEnv.fingerprint === fingerprint.hash) {
    return stored.password;
  }
  if (fingerprint !== null && (await verifyPassword(fromEnv, fingerprint))) {
    confirmedEnv = { value: fromEnv, fingerprint: fingerprint.hash };
    return stored.password;
  }
  log.warn({ previousSource: stored.source }, "DASHBOARD_PASSWORD changed; it replaces the stored owner password and ends every session");
  return adoptEnvPassword(env, fromEnv, now);
}

/** Returns whether the first-run page is needed: no stored password and no DASHBOARD_PASSWORD. */
export async function setupRequired(env: Env): Promise<boolean> {
  if (optionalSetting(env.DASHBOARD_PASSWORD) !== null) {
    return false;
  }
  return (await fleetStub(env).ownerRecord()) === null;
}

/** Stores a password chosen in Settings, keeping the fingerprint of the adopted DASHBOARD_PASSWORD; ends every session. */
export async function changeOwnerPassword(env: Env, newPassword: string, now: number = Date.now()): Promise<number> {
  const fleet = fleetStub(env);
  const stored = await fleet.ownerRecord();
  const password = await hashPassword(newPassword);
  return fleet.replaceOwner({ password, source: "changed", envFingerprint: stored?.envFingerprint ?? null, updatedAt: now });
}
