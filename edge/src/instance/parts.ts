/** @module Wires the pieces of one instance object together once its id is known. */
import type { Env } from "../env.js";
import { CommandAudit } from "./command-audit.js";
import { CommandRelay } from "./command-relay.js";
import { CommandStore } from "./command-store.js";
import { AlertEngine } from "../alerts/engine.js";
import { AutoStop } from "../alerts/auto-stop.js";
import { connectAlertNotifications } from "../alerts/hooks.js";
import { NotifyOutbox } from "../notify/outbox.js";
import { HistoryStore } from "../history/store.js";
import { ActivityStore } from "../spend/activity.js";
import { PriceStore } from "../spend/price.js";
import { InstanceLink } from "./link.js";
import type { InstanceStore } from "./instance-store.js";
import { heartbeatAlarmAt } from "./heartbeat.js";
import { DeadlineScheduler } from "./scheduler.js";
import { SocketRegistry } from "./sockets.js";

export type InstanceParts = {
  env: Env;
  instanceId: string;
  name: string;
  store: InstanceStore;
  sockets: SocketRegistry;
  scheduler: DeadlineScheduler;
  commands: CommandStore;
  link: InstanceLink;
  relay: CommandRelay;
  audit: CommandAudit;
  alerts: AlertEngine;
  outbox: NotifyOutbox;
  autoStop: AutoStop;
  history: HistoryStore;
  activity: ActivityStore;
  prices: PriceStore;
};

/** Builds the parts of the instance object for `instanceId` over its storage and sockets. */
export function buildParts(ctx: DurableObjectState, env: Env, store: InstanceStore, instanceId: string, name: string): InstanceParts {
  const sockets = new SocketRegistry(ctx);
  const scheduler = new DeadlineScheduler(ctx.storage, () => heartbeatAlarmAt(sockets));
  const commands = new CommandStore(ctx.storage.sql);
  const activity = new ActivityStore(ctx.storage.kv);
  const link = new InstanceLink(instanceId, store, sockets, activity);
  const audit = new CommandAudit(instanceId, ctx.storage.kv, env);
  const relay = new CommandRelay(env, instanceId, commands, scheduler, sockets, link, audit);
  const history = new HistoryStore(ctx.storage.sql);
  const prices = new PriceStore(ctx.storage.kv);
  const alerts = new AlertEngine(instanceId, ctx, store, scheduler, () => prices.price());
  const autoStop = new AutoStop(instanceId, { env, kv: ctx.storage.kv, scheduler, settings: () => alerts.settings(), price: () => prices.price(), snapshot: () => store.snapshot()?.overview ?? null });
  const outbox = new NotifyOutbox(instanceId, ctx.storage.sql, scheduler);
  const parts: InstanceParts = { env, instanceId, name, store, sockets, scheduler, commands, link, relay, audit, history, activity, prices, alerts, outbox, autoStop };
  connectAlertNotifications(parts);
  return parts;
}
