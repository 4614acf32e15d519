/**
 * @module One Durable Object per instance. It accepts the reporter's and the browsers' sockets
 * through the hibernation API, keeps the latest snapshot and the link state in SQLite-backed
 * storage, and relays commands. The work is done by the modules beside this file; this class
 * routes runtime events to them.
 */
import { DurableObject } from "cloudflare:workers";
import type { Alert, AlertQuery, AlertSettings, AutoStopStatus } from "@comfycarry/shared";
import type {
  CommandRequest,
  FleetInstanceStatus,
  HistoryRange,
  HistoryResponse,
  InstanceOverview,
  InstancePrice,
  InstanceSummary,
  SecretName,
  WireError,
} from "@comfycarry/shared";

import { socketActorSchema } from "../auth/actor.js";
import type { SocketActor } from "../auth/actor.js";

import type { Env } from "../env.js";
import { buildInstanceStatus } from "../fleet-status/status.js";
import { enablePingAutoResponse } from "./cheap-link.js";
import { CostMeter } from "./cost-meter.js";
import type { InvocationKind, MeterReading } from "./cost-meter.js";
import { historyResponse } from "../history/query.js";
import { setPrice } from "../spend/set-price.js";
import { refuseUpgrade } from "../http/socket-refusal.js";
import { errorFields, log } from "../log.js";
import { evaluateAlerts, runAlertDeadline } from "../alerts/hooks.js";
import { readAttachment } from "./attachments.js";
import { onBrowserClose, onBrowserMessage, onBrowserOpen } from "./browser-session.js";
import { commandIdOfKey } from "./command-relay.js";
import { SETTLED_RETENTION_MS } from "./command-store.js";
import { scopeError } from "./command-audit.js";
import { checkCommand } from "./command-validation.js";
import type { Checked } from "./command-validation.js";
import { HEARTBEAT_KEY, armHeartbeat, checkHeartbeat, nextHeartbeatAt } from "./heartbeat.js";
import { activeHeldSnapshot, flushHeldSnapshot } from "./held-snapshot.js";
import { InstanceStore } from "./instance-store.js";
import { buildParts } from "./parts.js";
import type { InstanceParts } from "./parts.js";
import { onReporterMessage } from "./reporter-session.js";
import { pushSecret } from "./secret-handoff.js";
import { rewindClocks } from "./rewind.js";
import { refuseReporter } from "./refuse.js";
import { ACTOR_HEADER, ROLE_HEADER } from "./roles.js";
import { SocketRegistry } from "./sockets.js";

/**
 * Replies to the peer's Close frame, which this runtime (workerd 1.20261103 with our compatibility
 * date, observed under `wrangler dev`) does not do by itself: without it the client waits about
 * 10 s and reports 1006. Codes 1005, 1006 and 1015 only describe a close locally and may not be
 * sent, so they are answered with 1000.
 */
function completeClose(ws: WebSocket, code: number, reason: string): void {
  const sendable = code === 1000 || (code >= 1001 && code <= 1014 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
  try {
    ws.close(sendable ? code : 1000, reason);
  } catch {
    // Already closed, e.g. when the runtime replied to the Close frame itself.
  }
}

function parseActorHeader(value: string | null): SocketActor | null {
  if (value === null) {
    return null;
  }
  try {
    const parsed = socketActorSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export class InstanceObject extends DurableObject<Env> {
  private readonly store: InstanceStore;
  /** Null until an instance is enrolled under this object's name. */
  private parts: InstanceParts | null = null;
  /** The reporter frame being handled; the next one waits for it. */
  private reporterFrames: Promise<void> = Promise.resolve();
  /** Usage counters for the edge-cost benchmark; null unless COMFYCARRY_METER is "1". */
  private readonly meter: CostMeter | null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Installed first, so the counting storage wrappers see every write.
    this.meter = CostMeter.install(ctx, env);
    this.store = new InstanceStore(ctx.storage.kv, () => activeHeldSnapshot(new SocketRegistry(ctx)));
    enablePingAutoResponse(ctx);
    const meta = this.store.meta();
    if (meta !== null) {
      this.parts = buildParts(ctx, env, this.store, meta.instanceId, meta.name);
    }
  }

  /** Records the enrolled instance; called once by enrollment. */
  register(instanceId: string, name: string, registeredAt: string): void {
    this.store.register(instanceId, name, registeredAt);
    this.parts = buildParts(this.ctx, this.env, this.store, instanceId, name);
  }

  /** Changes the name shown in lists; the id stays. */
  rename(name: string): boolean {
    const meta = this.store.meta();
    if (meta === null) {
      return false;
    }
    this.register(meta.instanceId, name, meta.registeredAt);
    return true;
  }

  /**
   * Closes every reporter socket with `error` (`replaced` after a takeover, `unauthorized` after
   * a token was rotated or revoked) and marks the instance offline. Returns how many were closed;
   * the sockets are closed when this returns.
   */
  closeReporters(error: WireError): number {
    const parts = this.parts;
    if (parts === null) {
      return 0;
    }
    const reporters = parts.sockets.reporters();
    const now = Date.now();
    for (const socket of reporters) {
      flushHeldSnapshot(this.store, socket.ws);
      refuseReporter(socket.ws, error);
      if (socket.attachment.helloAt !== null) {
        parts.link.markOfflineUnlessConnected(now, socket.ws, socket.attachment.lastSeenAt);
      }
    }
    if (reporters.length > 0) {
      log.info({ instanceId: parts.instanceId, closed: reporters.length, code: error.code }, "closed reporter sockets");
    }
    return reporters.length;
  }

  /** Forgets the instance: closes every socket and deletes all of this object's storage. */
  async remove(): Promise<void> {
    const parts = this.parts;
    if (parts !== null) {
      const gone: WireError = { code: "not_found", message: `instance ${parts.instanceId} was removed` };
      this.closeReporters({ code: "unauthorized", message: gone.message });
      for (const ws of parts.sockets.browsers()) {
        ws.close(4000, gone.code);
      }
    }
    this.parts = null;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /**
   * Hands the owner's new or cleared secret `name` to the connected reporter, if it takes it.
   * Returns whether a command went out; the value never crosses this call.
   */
  async offerSecret(name: SecretName): Promise<boolean> {
    return this.parts === null ? false : pushSecret(this.parts, name, Date.now());
  }

  /** Returns the overview, or `not_found` when no instance was enrolled here. */
  overview(): Checked<InstanceOverview> {
    if (this.parts === null) {
      return { ok: false, error: { code: "not_found", message: "no instance with this id" } };
    }
    return { ok: true, value: this.parts.link.overview(Date.now()) };
  }

  /** Returns this instance's alerts, newest first, or null when no instance was enrolled here. */
  listAlerts(query: AlertQuery): Alert[] | null {
    return this.parts === null ? null : this.parts.alerts.list(query);
  }

  /** Acknowledges alert `alertId`; returns it, or null when this instance has no such alert. */
  async acknowledgeAlert(alertId: string): Promise<Alert | null> {
    return this.parts === null ? null : this.parts.alerts.acknowledge(alertId, Date.now());
  }

  alertSettings(): AlertSettings | null {
    return this.parts === null ? null : this.parts.alerts.settings();
  }

  autoStopStatus(): AutoStopStatus | null {
    return this.parts === null ? null : this.parts.autoStop.status();
  }

  /** Stores the alert settings and re-judges the idle alert with them; false when no instance is enrolled here. */
  async saveAlertSettings(settings: AlertSettings): Promise<boolean> {
    if (this.parts === null) {
      return false;
    }
    await this.parts.alerts.saveSettings(settings, Date.now());
    return true;
  }

  /** Returns this instance's list entry, or null when no instance was enrolled here. */
  summary(): InstanceSummary | null {
    return this.parts === null ? null : this.parts.link.summary(this.parts.name, Date.now());
  }

  /** Returns this instance's entry in the fleet status, or null when no instance was enrolled here. */
  fleetStatus(): FleetInstanceStatus | null {
    const parts = this.parts;
    if (parts === null) {
      return null;
    }
    const now = Date.now();
    return buildInstanceStatus({ instanceId: parts.instanceId, name: parts.name, overview: parts.link.overview(now), activity: parts.activity, prices: parts.prices }, now);
  }

  /** Returns the heartbeat history over `range`, or `not_found` when no instance was enrolled here. */
  history(range: HistoryRange): Checked<HistoryResponse> {
    if (this.parts === null) {
      return { ok: false, error: { code: "not_found", message: "no instance with this id" } };
    }
    return { ok: true, value: historyResponse(this.parts.instanceId, this.parts.history, range, Date.now()) };
  }

  /** Sets (or with null, removes) the hourly price; returns false when no instance was enrolled here. */
  setPrice(price: InstancePrice | null): boolean {
    const parts = this.parts;
    if (parts === null) {
      return false;
    }
    if (price === null) {
      parts.prices.clear();
      return true;
    }
    const now = Date.now();
    setPrice(parts, parts.link.overview(now), price, now);
    return true;
  }

  /**
   * Relays a command and waits for its outcome: the reporter's response as JSON text, or
   * `instance_offline`, `command_timeout` or a validation error. The caller's request stays
   * open meanwhile. The response travels as text because its `data` is `unknown`, which the
   * RPC types cannot carry.
   */
  async runCommand(request: CommandRequest, actor: SocketActor): Promise<Checked<string>> {
    const parts = this.parts;
    if (parts === null) {
      return { ok: false, error: { code: "not_found", message: "no instance with this id" } };
    }
    const checked = checkCommand(request.name, request.args, request.deadline_ms);
    if (!checked.ok) {
      await parts.audit.refused(actor, request.name, request.args, checked.error.code);
      return checked;
    }
    const forbidden = scopeError(actor, request.name);
    if (forbidden !== null) {
      await parts.audit.refused(actor, request.name, checked.value.args, forbidden.code);
      return { ok: false, error: forbidden };
    }
    const opened = await parts.relay.open(checked.value, null, actor, Date.now());
    if (!opened.ok) {
      return opened;
    }

    const outcome = parts.relay.waitForOutcome(opened.value.id);
    parts.relay.dispatch(opened.value);
    const settled = await outcome;
    return settled.ok ? { ok: true, value: JSON.stringify(settled.value) } : settled;
  }

  /**
   * Accepts a socket upgrade the Worker has already authenticated; the role comes from
   * {@link ROLE_HEADER} and a browser's caller from {@link ACTOR_HEADER}. The Worker builds
   * these requests itself, so a request without them did not come through it and is refused.
   */
  override async fetch(request: Request): Promise<Response> {
    return this.metered("fetch", () => this.acceptSocket(request));
  }

  private async acceptSocket(request: Request): Promise<Response> {
    const role = request.headers.get(ROLE_HEADER);
    const client = role === "reporter" ? "reporter" : "browser";
    const actor = parseActorHeader(request.headers.get(ACTOR_HEADER));
    if (role !== "reporter" && (role !== "browser" || actor === null)) {
      return refuseUpgrade(client, { code: "unauthorized", message: "sockets are opened through the Worker's authenticated routes" });
    }
    const parts = this.parts;
    if (parts === null) {
      return refuseUpgrade(client, { code: "not_found", message: "no instance with this id" });
    }

    const pair = new WebSocketPair();
    const connectionId = crypto.randomUUID();
    const now = Date.now();
    if (role === "reporter") {
      parts.sockets.acceptReporter(pair[1], connectionId, now);
      await armHeartbeat(parts);
      log.info({ instanceId: parts.instanceId, connectionId }, "reporter socket opened");
    } else {
      parts.sockets.acceptBrowser(pair[1], connectionId, actor ?? { kind: "owner", name: "owner", scope: "read" }, now);
      onBrowserOpen(parts, pair[1], now);
      // A watched reporter is checked without the unwatched delay, so the alarm may move earlier.
      await parts.scheduler.arm();
      log.info({ instanceId: parts.instanceId, connectionId }, "browser socket opened");
    }
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (readAttachment(ws)?.role === "reporter") {
      // Reporter frames are handled one at a time, in order: hello and secret_update wait on the
      // fleet object, and the runtime delivers further frames meanwhile. A pong then also proves
      // that what the hello handed off has been sent.
      const turn = this.reporterFrames.then(() => this.handleMessage(ws, message));
      this.reporterFrames = turn.catch(() => undefined);
      await turn;
      return;
    }
    await this.handleMessage(ws, message);
  }

  // Metered here rather than in webSocketMessage, so handler time leaves out the wait for earlier reporter frames.
  private async handleMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await this.metered("webSocketMessage", () => this.dispatchMessage(ws, message), message);
  }

  private async dispatchMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const attachment = readAttachment(ws);
    const parts = this.parts;
    if (parts === null || attachment === null) {
      log.error({ hasParts: parts !== null }, "message on a socket this object does not know; closing it");
      ws.close(1011, "unknown socket");
      return;
    }

    const now = Date.now();
    if (attachment.role === "reporter") {
      await onReporterMessage(parts, ws, attachment, message, now);
    } else {
      await onBrowserMessage(parts, ws, attachment, message, now);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    await this.metered("webSocketClose", async () => {
      this.onSocketGone(ws, { code, reason });
      completeClose(ws, code, reason);
      await this.afterLinkChange(ws, "socket closed");
    });
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    this.onSocketGone(ws, { err: errorFields(error) });
    await this.afterLinkChange(ws, "socket error");
  }

  /** Re-judges alerts after a reporter socket went away, so the offline alert gets its deadline. */
  private async afterLinkChange(ws: WebSocket, cause: string): Promise<void> {
    if (this.parts !== null && readAttachment(ws)?.role === "reporter") {
      await evaluateAlerts(this.parts, Date.now(), cause);
    }
  }

  private onSocketGone(ws: WebSocket, details: Record<string, unknown>): void {
    const attachment = readAttachment(ws);
    const parts = this.parts;
    if (parts === null || attachment === null) {
      return;
    }

    const fields = { instanceId: parts.instanceId, connectionId: attachment.connectionId, ...details };
    if (attachment.role === "reporter") {
      log.info({ ...fields, saidHello: attachment.helloAt !== null }, "reporter socket closed");
      flushHeldSnapshot(parts.store, ws);
      if (attachment.helloAt !== null) {
        parts.link.markOfflineUnlessConnected(Date.now(), ws, attachment.lastSeenAt);
      }
    } else {
      log.info(fields, "browser socket closed");
      onBrowserClose(parts, ws);
    }
  }

  /** Fires every deadline that is due (command timeouts, the heartbeat) and re-arms for the next. */
  override async alarm(): Promise<void> {
    await this.metered("alarm", () => this.fireDeadlines());
  }

  private async fireDeadlines(): Promise<void> {
    const parts = this.parts;
    if (parts === null) {
      return;
    }

    const now = Date.now();
    const keys = parts.scheduler.takeDue(now);
    const heartbeatAt = nextHeartbeatAt(parts.sockets);
    if (heartbeatAt !== null && heartbeatAt <= now && !keys.includes(HEARTBEAT_KEY)) {
      keys.unshift(HEARTBEAT_KEY);
    }
    this.meter?.countDeadlines(keys);
    for (const key of keys) {
      // One failing deadline must not keep the others from firing.
      try {
        const commandId = commandIdOfKey(key);
        if (key === HEARTBEAT_KEY) {
          await checkHeartbeat(parts, now);
          await evaluateAlerts(parts, now, "heartbeat");
        } else if (await runAlertDeadline(parts, key, now)) {
          // Alerts and notifications ran.
        } else if (commandId !== null) {
          await parts.relay.expire(commandId, now);
        } else {
          log.warn({ instanceId: parts.instanceId, key }, "dropped a deadline with an unknown key");
        }
      } catch (err) {
        log.error({ instanceId: parts.instanceId, key, err: errorFields(err) }, "deadline handler failed");
      }
    }

    parts.commands.purgeSettledBefore(now - SETTLED_RETENTION_MS);
    await parts.scheduler.arm();
  }

  /** Runs one handler under the usage counters when they are on. */
  private async metered<T>(kind: InvocationKind, handler: () => Promise<T>, message?: string | ArrayBuffer): Promise<T> {
    const finish = this.meter?.begin(kind, message);
    try {
      return await handler();
    } finally {
      finish?.();
    }
  }

  /** Returns the usage counters, or null when COMFYCARRY_METER is not "1". */
  meterReading(): MeterReading | null {
    return this.meter?.read() ?? null;
  }

  /** Test hook: moves every recorded time of this object `ms` into the past, as if that much time had passed. */
  rewindForTest(ms: number): void {
    if (this.parts !== null) {
      rewindClocks(this.ctx, this.parts, ms);
    }
  }
}
