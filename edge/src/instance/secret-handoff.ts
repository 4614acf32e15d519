/**
 * @module Stored secrets between the edge and one instance's reporter. A reporter lists in
 * `hello` the SHA-256 of each secret it keeps. As ordinary relayed commands it then receives
 * the tokens it lacks or keeps in an older version (`secrets.set`), a `secrets.clear` for tokens
 * the owner cleared, and the stored rclone.conf (`sync.config.set`, `replace`) when its own
 * differs and has no unsent change. The owner setting or clearing a secret pushes it the same
 * way. A `secret_update` frame brings a rewritten rclone.conf back.
 *
 * Values are read with `secretForJob` right before they are sent and never logged; the command
 * table stores them sealed (sealed-args.ts) and the audit log shows only the secret's name.
 */
import { REPORTER_TOKEN_NAMES } from "@comfycarry/shared";
import type { CommandArgs, CommandName, HeldSecrets, ReporterMessage, SecretName, WireError } from "@comfycarry/shared";

import { recordAudit } from "../audit/record.js";
import { errorFields, log } from "../log.js";
import { sha256Hex } from "../secrets/digest.js";
import { secretForJob, storeSecretFromReporter } from "../secrets/handoff.js";
import type { CommandActor } from "./command-audit.js";
import { checkCommand } from "./command-validation.js";
import type { InstanceParts } from "./parts.js";

type SecretUpdateFrame = Extract<ReporterMessage, { type: "secret_update" }>;

const HANDOFF_ACTOR: CommandActor = { kind: "system", name: "secret handoff", scope: "admin" };

/** Deadline of a handoff command: rclone.conf waits on the reporter for its sync engine to start. */
const HANDOFF_DEADLINE_MS = 120_000;

/** Returns `conf` as the reporter writes a replaced rclone.conf: trailing white space cut to one line break. */
function asWrittenByReporter(conf: string): string {
  return `${conf.replace(/\s+$/, "")}\n`;
}

/** Reads a stored secret; undefined (after logging why) when it cannot be read, e.g. SECRETS_KEY changed. */
async function readSecret(parts: InstanceParts, name: SecretName): Promise<string | null | undefined> {
  try {
    return await secretForJob(parts.env, name);
  } catch (err) {
    log.error({ instanceId: parts.instanceId, name, err: errorFields(err) }, "could not read a stored secret for the reporter");
    return undefined;
  }
}

/** Opens and sends one handoff command; returns whether it went out. */
async function send<N extends CommandName>(parts: InstanceParts, name: N, args: CommandArgs<N>, secret: SecretName, now: number): Promise<boolean> {
  const checked = checkCommand(name, args, HANDOFF_DEADLINE_MS);
  if (!checked.ok) {
    log.error({ instanceId: parts.instanceId, command: name, name: secret, code: checked.error.code }, "a stored secret does not fit the command that carries it");
    return false;
  }
  const opened = await parts.relay.open(checked.value, null, HANDOFF_ACTOR, now);
  if (!opened.ok) {
    return false;
  }
  parts.relay.dispatch(opened.value);
  log.info({ instanceId: parts.instanceId, commandId: opened.value.id, command: name, name: secret }, "handed a stored secret to the reporter");
  return true;
}

/** Sends token `name` (or its removal) unless the reporter's digest shows it already has that version. */
async function handOffToken(parts: InstanceParts, name: (typeof REPORTER_TOKEN_NAMES)[number], heldDigest: string | undefined | "unknown", now: number): Promise<boolean> {
  const value = await readSecret(parts, name);
  if (value === undefined) {
    return false;
  }
  if (value === null) {
    return heldDigest !== undefined && (await send(parts, "secrets.clear", { name }, name, now));
  }
  return heldDigest !== (await sha256Hex(value)) && (await send(parts, "secrets.set", { name, value }, name, now));
}

/** Sends the stored rclone.conf unless the reporter's copy is the same; a cleared copy changes nothing there. */
async function handOffConf(parts: InstanceParts, heldDigest: string | null | "unknown", now: number): Promise<boolean> {
  const conf = await readSecret(parts, "rclone_conf");
  if (conf === undefined || conf === null) {
    return false;
  }
  if (heldDigest === (await sha256Hex(conf)) || heldDigest === (await sha256Hex(asWrittenByReporter(conf)))) {
    return false;
  }
  return send(parts, "sync.config.set", { rclone_conf: conf, mode: "replace" }, "rclone_conf", now);
}

/** Sends, after hello, each secret the reporter lacks or has in another version; returns how many commands went out. */
export async function handOffOnHello(parts: InstanceParts, held: HeldSecrets | undefined, now: number): Promise<number> {
  if (held === undefined) {
    return 0;
  }
  let sent = 0;
  for (const name of REPORTER_TOKEN_NAMES) {
    sent += (await handOffToken(parts, name, held.tokens[name], now)) ? 1 : 0;
  }
  // A change of its own still on the way is newer than the edge's copy: it carries refreshed OAuth tokens.
  if (held.rclone_conf !== undefined && !held.rclone_conf.unsent) {
    sent += (await handOffConf(parts, held.rclone_conf.sha256, now)) ? 1 : 0;
  }
  return sent;
}

/**
 * After the owner set or cleared `name`: sends it to the connected reporter when that reporter
 * takes it. Returns whether a command went out.
 */
export async function pushSecret(parts: InstanceParts, name: SecretName, now: number): Promise<boolean> {
  const reporter = parts.sockets.activeReporter();
  if (reporter === null) {
    return false;
  }
  if (name === "civitai_token" || name === "hf_token" || name === "cloudflare_token") {
    return reporter.attachment.takesTokens && handOffToken(parts, name, "unknown", now);
  }
  if (name === "rclone_conf") {
    return reporter.attachment.takesConf && handOffConf(parts, "unknown", now);
  }
  return false;
}

/**
 * Stores an rclone.conf the reporter changed (rclone refreshed an OAuth token). Returns an error
 * for a frame whose digest does not match its content; failing to store is logged, not the reporter's fault.
 */
export async function acceptSecretUpdate(parts: InstanceParts, frame: SecretUpdateFrame): Promise<WireError | null> {
  const fields = { instanceId: parts.instanceId, name: frame.name, sha256: frame.sha256 };
  if ((await sha256Hex(frame.content)) !== frame.sha256) {
    return { code: "invalid_message", message: `secret_update for ${frame.name}: sha256 does not match the content` };
  }

  const current = await readSecret(parts, frame.name);
  if (typeof current === "string" && (await sha256Hex(current)) === frame.sha256) {
    log.info(fields, "the reporter's secret matches the stored one");
    return null;
  }
  try {
    await storeSecretFromReporter(parts.env, frame.name, frame.content);
  } catch (err) {
    log.error({ ...fields, err: errorFields(err) }, "could not store the secret the reporter changed");
    return null;
  }
  await recordAudit(parts.env, { actor: { kind: "system", name: "reporter" }, instanceId: parts.instanceId, action: "secret.update", args: { name: frame.name }, result: "ok" });
  log.info(fields, "stored the secret the reporter changed");
  return null;
}
