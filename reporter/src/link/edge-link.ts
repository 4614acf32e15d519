import { EventEmitter } from "node:events";

import WebSocket from "ws";
import type { z } from "zod";

import {
  APP_CLOSE_CODE,
  EDGE_FEATURE_PING_AUTO_RESPONSE,
  EDGE_FEATURE_SECRET_UPDATE,
  EDGE_FEATURE_SNAPSHOT_DELTA,
  MAX_MESSAGE_BYTES,
  edgeToReporterMessageSchema,
  errorCodeSchema,
  eventSchema,
  overviewSchema,
  parseFrame,
  parseValue,
  toUtcTimestamp,
} from "@comfycarry/shared";
import type { EdgeToReporterMessage, Overview, ProtocolEvent, ReporterMessage, WireError, reporterHelloSchema } from "@comfycarry/shared";

import type { Logger } from "../log/logger.js";
import { Backoff, DEFAULT_BACKOFF } from "./backoff.js";
import type { BackoffOptions } from "./backoff.js";
import { rawText } from "./raw-text.js";
import { NamedTimers } from "./timers.js";
import { DEFAULT_LINK_TIMING } from "./timing.js";
import type { LinkTiming } from "./timing.js";
import { answerUnparsedCommand } from "./unparsed-command.js";
import { isLiveOnly } from "./live-events.js";
import { EventBuffer } from "./event-buffer.js";
import { SnapshotSequence } from "./snapshot-delta.js";

export { rawText } from "./raw-text.js";
export type { LinkTiming } from "./timing.js";
export type ReporterHello = z.infer<typeof reporterHelloSchema>;
export type IncomingCommand = Extract<EdgeToReporterMessage, { type: "command" }>;
export type CommandOutcome = { ok: true; data: unknown } | { ok: false; error: WireError };

/** Runs a command the edge sent; the link only relays the outcome. */
export interface CommandRunner {
  execute(command: { id: string; name: string; args: unknown; deadline: string }): Promise<CommandOutcome>;
}

export interface EdgeLinkOptions {
  /** Full WebSocket URL of the edge's reporter endpoint. */
  url: string;
  token: string;
  log: Logger;
  /** Builds the hello for each new connection; it may read files (the digests of held secrets). */
  hello: () => ReporterHello | Promise<ReporterHello>;
  /** Builds a snapshot; null skips this turn (the source already logged why). */
  snapshot: () => Promise<Overview | null>;
  commands: CommandRunner;
  timing?: Partial<LinkTiming>;
  backoff?: BackoffOptions;
  /** Events kept while the edge is unreachable; DEFAULT_EVENT_BUFFER_SIZE when absent. */
  eventBufferSize?: number;
}

/** Events for the owner of the link: `fatal` means the edge will never accept this reporter as it is. */
export interface EdgeLinkEvents {
  welcome: [viewers: number];
  reconnecting: [delayMs: number, attempt: number];
  fatal: [error: WireError];
  /** The edge runs a newer protocol; a launcher that fetches the edge's reporter can restart into it. */
  outdated: [error: WireError];
}

/** Refusals after which reconnecting cannot help. */
const FATAL_CODES = new Set(["replaced", "unauthorized"]);

/**
 * Keeps one outbound WebSocket to the edge: hello on every connect, snapshots on the
 * cadence the viewer count sets, pings, command relay, and reconnects with backoff.
 */
export class EdgeLink extends EventEmitter<EdgeLinkEvents> {
  readonly #options: EdgeLinkOptions;
  readonly #timing: LinkTiming;
  readonly #backoff: Backoff;
  readonly #log: Logger;
  #socket: WebSocket | null = null;
  #stopped = true;
  #welcomed = false;
  #viewers = 0;
  #clockOffsetMs = 0;
  #features: readonly string[] = [];
  #refusal: WireError | null = null;
  #building = false;
  #snapshots = new SnapshotSequence(false);
  /** Count of live-only events dropped while no browser watched, for the debug log. */
  #unwatchedSkipped = 0;
  readonly #timers = new NamedTimers();
  readonly #buffered: EventBuffer;

  constructor(options: EdgeLinkOptions) {
    super();
    this.#options = options;
    this.#buffered = new EventBuffer(options.eventBufferSize);
    this.#timing = { ...DEFAULT_LINK_TIMING, ...options.timing };
    this.#backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
    this.#log = options.log.child({ component: "edge-link" });
  }

  /** Whether the edge has welcomed the current connection. */
  /**
   * The edge's clock minus ours, in ms, from the last welcome. Command deadlines are edge
   * times, and a container's clock can be off by more than a deadline allows.
   */
  get clockOffsetMs(): number {
    return this.#clockOffsetMs;
  }

  get connected(): boolean {
    return this.#welcomed;
  }

  /** Capabilities the edge listed in its last welcome; empty for edges that list none. */
  get edgeFeatures(): readonly string[] {
    return this.#features;
  }

  /**
   * Sends a changed secret to an edge whose welcome lists `secret_update`; resolves true
   * once the frame is written to the socket. An older edge would count the unknown frame
   * as invalid and close the socket after a few, so nothing is sent to it.
   */
  sendSecretUpdate(update: { name: "rclone_conf"; content: string; sha256: string }): Promise<boolean> {
    const socket = this.#socket;
    if (!this.#welcomed || !this.#features.includes(EDGE_FEATURE_SECRET_UPDATE) || socket?.readyState !== WebSocket.OPEN) {
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      socket.send(JSON.stringify({ type: "secret_update", ...update } satisfies ReporterMessage), (error) => {
        if (error !== undefined && error !== null) {
          this.#log.warn({ err: error, type: "secret_update", name: update.name }, "sending to the edge failed");
        }
        resolve(error === undefined || error === null);
      });
    });
  }

  start(): void {
    this.#stopped = false;
    this.#connect();
  }

  /** Closes the socket and stops reconnecting. */
  stop(): void {
    this.#stopped = true;
    this.#timers.clearAll();
    this.#socket?.close(1001, "reporter shutting down");
    this.#socket = null;
  }

  /** Sends an event now if the edge is connected; the next snapshot covers what is dropped. */
  sendEvent(event: ProtocolEvent): void {
    // Live-only events that would be dropped anyway are dropped before the schema check,
    // which costs more than the rest of this method.
    const liveOnly = isLiveOnly(event);
    if (liveOnly && !this.#welcomed) {
      // The next snapshot settles them; other events wait in the buffer for the reconnect.
      return;
    }
    if (liveOnly && this.#viewers === 0) {
      this.#unwatchedSkipped += 1;
      if (this.#unwatchedSkipped % 1000 === 1) {
        this.#log.debug({ kind: event.kind, skipped: this.#unwatchedSkipped }, "live-only events dropped while no browser watches");
      }
      return;
    }

    // Live-only events are most of what a busy instance sends, and the reporter builds them
    // from typed, parsed values, so they skip this check. The edge still parses every frame.
    // Other events are checked, so a malformed one is logged here rather than rejected there.
    if (liveOnly) {
      this.#send({ type: "event", event });
      return;
    }
    const parsed = parseValue(eventSchema, event);
    if (!parsed.ok) {
      this.#log.error({ kind: event.kind, issues: parsed.issues }, "event does not match the protocol, not sent");
      return;
    }
    if (!this.#welcomed) {
      this.#buffered.push(parsed.value);
      return;
    }
    this.#send({ type: "event", event: parsed.value });
  }

  /** Sends a snapshot now, outside the cadence, e.g. after ComfyUI changed state. */
  async sendSnapshotNow(): Promise<void> {
    if (!this.#welcomed || this.#building) {
      return;
    }
    this.#building = true;
    try {
      const snapshot = await this.#options.snapshot();
      if (snapshot === null) {
        return;
      }
      const parsed = parseValue(overviewSchema, snapshot);
      if (!parsed.ok) {
        this.#log.error({ issues: parsed.issues }, "snapshot does not match the overview schema, not sent");
        return;
      }
      this.#send(this.#snapshots.frame(parsed.value));
    } catch (error) {
      this.#log.error({ err: error }, "building the snapshot failed");
    } finally {
      this.#building = false;
    }
  }

  #connect(): void {
    this.#refusal = null;
    this.#welcomed = false;
    this.#log.info({ url: this.#options.url, attempt: this.#backoff.attempt }, "connecting to the edge");

    const socket = new WebSocket(this.#options.url, {
      headers: { Authorization: `Bearer ${this.#options.token}` },
      maxPayload: MAX_MESSAGE_BYTES,
      // Compressing every small event costs more CPU (zlib on the thread pool) and memory
      // (one deflate context per socket) than the few bytes it saves on this link.
      perMessageDeflate: false,
      handshakeTimeout: 15_000,
    });
    this.#socket = socket;

    socket.on("open", () => {
      this.#log.info("connected to the edge, sending hello");
      void this.#sendHello(socket);
      this.#watchSilence();
    });
    socket.on("message", (data, isBinary) => {
      this.#watchSilence();
      if (isBinary) {
        this.#log.warn("binary frame from the edge ignored");
        return;
      }
      this.#onFrame(rawText(data));
    });
    socket.on("unexpected-response", (_request, response) => {
      // A 401 at the upgrade means the token is wrong: no retry can fix that.
      if (response.statusCode === 401) {
        this.#refusal = { code: "unauthorized", message: "the edge rejected the instance token (HTTP 401)" };
      }
      this.#log.warn({ status: response.statusCode }, "edge rejected the WebSocket upgrade");
      socket.terminate();
    });
    socket.on("error", (error) => {
      this.#log.warn({ err: error }, "edge socket error");
    });
    socket.on("close", (code, reason) => {
      this.#onClose(socket, code, reason.toString("utf8"));
    });
  }

  async #sendHello(socket: WebSocket): Promise<void> {
    try {
      const hello = await this.#options.hello();
      if (socket === this.#socket) {
        this.#send(hello);
      }
    } catch (error) {
      // Without hello the edge closes the socket; reconnecting builds it again.
      this.#log.error({ err: error }, "could not build hello; dropping the socket");
      socket.terminate();
    }
  }

  #onFrame(text: string): void {
    const parsed = parseFrame(edgeToReporterMessageSchema, text);
    if (!parsed.ok) {
      this.#log.warn({ issues: parsed.issues }, "frame from the edge does not match the protocol, ignored");
      const reply = answerUnparsedCommand(text);
      if (reply !== null) {
        this.#send(reply);
      }
      return;
    }

    const message = parsed.value;
    switch (message.type) {
      case "welcome":
        this.#clockOffsetMs = Date.parse(message.server_time) - Date.now();
        this.#features = message.features ?? [];
        this.#onWelcome(message.viewers);
        break;
      case "viewers":
        this.#onViewers(message.count);
        break;
      case "command":
        void this.#runCommand(message);
        break;
      case "pong":
        break;
      case "snapshot_ack":
        if (!this.#snapshots.acknowledge(message.seq, message.ok)) {
          this.#log.info({ seq: message.seq }, "edge could not apply a snapshot delta; sending a full snapshot");
          void this.sendSnapshotNow();
        }
        break;
      case "refused":
        this.#refusal = message.error;
        this.#log.error({ code: message.error.code, reason: message.error.message }, "edge rejected this reporter");
        break;
    }
  }

  #onWelcome(viewers: number): void {
    this.#welcomed = true;
    this.#viewers = viewers;
    this.#log.info({ viewers, clockOffsetMs: this.#clockOffsetMs }, "edge welcomed the reporter");
    this.emit("welcome", viewers);
    this.#sendBuffered();

    this.#snapshots = new SnapshotSequence(this.#features.includes(EDGE_FEATURE_SNAPSHOT_DELTA));
    // `{ type: "ping" }` serializes to exactly PING_FRAME, which the edge's runtime answers
    // without waking the Durable Object; older edges get a timestamped ping they handle themselves.
    const constantPing = this.#features.includes(EDGE_FEATURE_PING_AUTO_RESPONSE);
    this.#timers.every("ping", this.#timing.heartbeatMs, () => this.#send(constantPing ? { type: "ping" } : { type: "ping", at: toUtcTimestamp() }));
    this.#timers.once("stable", this.#timing.stableAfterMs, () => this.#backoff.reset());
    void this.sendSnapshotNow();
    this.#scheduleSnapshots();
  }

  /** Sends the events held while disconnected, after a `link.events_dropped` event when some were lost. */
  #sendBuffered(): void {
    const { events, dropped, droppedSince } = this.#buffered.take();
    if (dropped > 0 && droppedSince !== null) {
      this.#log.warn({ dropped, since: droppedSince, kept: events.length }, "the event buffer overflowed while disconnected; the oldest events were dropped");
      this.#send({ type: "event", event: { kind: "link.events_dropped", at: toUtcTimestamp(), dropped, since: droppedSince } });
    }
    for (const event of events) {
      this.#send({ type: "event", event });
    }
    if (events.length > 0) {
      this.#log.info({ sent: events.length }, "sent the events held while disconnected");
    }
  }

  #onViewers(count: number): void {
    const wasWatched = this.#viewers > 0;
    this.#viewers = count;
    this.#log.debug({ viewers: count }, "viewer count changed");
    if (wasWatched === count > 0) {
      return;
    }

    // A viewer who just arrived should not wait up to a minute for fresh data.
    if (count > 0) {
      void this.sendSnapshotNow();
    }
    this.#scheduleSnapshots();
  }

  #scheduleSnapshots(): void {
    const interval = this.#viewers > 0 ? this.#timing.watchedSnapshotMs : this.#timing.unwatchedSnapshotMs;
    this.#timers.every("snapshot", interval, () => void this.sendSnapshotNow());
  }

  async #runCommand(command: IncomingCommand): Promise<void> {
    const log = this.#log.child({ commandId: command.id, command: command.name });
    const socket = this.#socket;
    const outcome = await this.#options.commands.execute(command);
    if (socket !== this.#socket || socket?.readyState !== WebSocket.OPEN) {
      log.warn("connection changed before the result could be sent; the edge re-sends the command and gets the stored result");
      return;
    }
    this.#send({ type: "command_result", id: command.id, ...outcome });
  }

  #onClose(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.#socket) {
      return;
    }
    this.#socket = null;
    this.#welcomed = false;
    this.#timers.clearAll(["reconnect"]);

    // The edge closes with 4000 and an error code as reason; use it when no `refused` frame came first.
    const closeCode = errorCodeSchema.safeParse(reason);
    if (this.#refusal === null && code === APP_CLOSE_CODE && closeCode.success) {
      this.#refusal = { code: closeCode.data, message: `edge closed the socket with ${closeCode.data}` };
    }
    this.#log.info({ code, reason, refusal: this.#refusal?.code ?? null }, "edge socket closed");

    if (this.#stopped) {
      return;
    }

    const refusal = this.#refusal;
    if (refusal !== null && FATAL_CODES.has(refusal.code)) {
      this.#stopped = true;
      this.#log.fatal({ code: refusal.code, reason: refusal.message }, "edge will not accept this reporter; not reconnecting");
      this.emit("fatal", refusal);
      return;
    }

    if (refusal?.code === "protocol_version_unsupported") {
      this.emit("outdated", refusal);
      this.#log.error(
        { retryInMs: this.#timing.unsupportedRetryMs },
        "edge does not support this reporter's protocol version; update the reporter. Retrying slowly",
      );
      this.#scheduleReconnect(this.#timing.unsupportedRetryMs);
      return;
    }

    this.#scheduleReconnect(this.#backoff.next());
  }

  #scheduleReconnect(delayMs: number): void {
    const attempt = this.#backoff.attempt;
    this.#log.info({ delayMs, attempt }, "reconnecting to the edge after a delay");
    this.emit("reconnecting", delayMs, attempt);
    this.#timers.once("reconnect", delayMs, () => this.#connect());
  }

  #watchSilence(): void {
    this.#timers.once("silence", this.#timing.silenceLimitMs, () => {
      this.#log.warn({ silenceMs: this.#timing.silenceLimitMs }, "nothing heard from the edge; dropping the socket");
      this.#socket?.terminate();
    });
  }

  #send(message: ReporterMessage): void {
    const socket = this.#socket;
    if (socket?.readyState !== WebSocket.OPEN) {
      return;
    }
    socket.send(JSON.stringify(message), (error) => {
      if (error !== undefined && error !== null) {
        this.#log.warn({ err: error, type: message.type }, "sending to the edge failed");
      }
    });
  }
}
