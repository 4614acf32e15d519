/**
 * @module Usage counters inside one instance object, for the edge-cost benchmark: invocations
 * by handler (each may wake a hibernated object), handler wall time, inbound and outbound
 * WebSocket messages and bytes, and storage writes. Installed only when the
 * COMFYCARRY_METER variable is "1", so deployed edges pay nothing for it.
 *
 * Counters live in the isolate's memory, keyed by object id, so they survive the object being
 * evicted and loaded again (`starts` counts the loads) but not a restart of the runtime,
 * which a later `startedAt` shows.
 */
import type { Env } from "../env.js";

export type InvocationKind = "fetch" | "webSocketMessage" | "webSocketClose" | "alarm";

/** The counters as the meter route returns them. */
export interface MeterReading {
  /** Start of this object's counters in epoch ms. A later value than before means the runtime restarted and the counters began again. */
  startedAt: number;
  /** Constructor runs: the object was loaded (first use, or again after eviction). */
  starts: number;
  invocations: Record<InvocationKind, number>;
  /** Summed handler wall time in ms, by performance.now(). */
  handlerMs: number;
  /**
   * Whether performance.now() moved during any invocation. Workers may advance it only across
   * I/O, and then `handlerMs` is I/O-bounded time (storage, awaits), not CPU time.
   */
  clockAdvanced: boolean;
  /** Deadlines the alarms fired, by key up to its first ":" (a command deadline's id is left out). */
  deadlines: Record<string, number>;
  inboundMessages: number;
  inboundBytes: number;
  outboundMessages: number;
  outboundBytes: number;
  /** SQLite rows written: `rowsWritten` of every `sql.exec` cursor, one per KV put or delete, one per setAlarm. */
  rowsWritten: number;
  kvWrites: number;
  /** KV puts and deletes by key. */
  kvWritesByKey: Record<string, number>;
  sqlRowsWritten: number;
  /** SQL rows written by the table a statement writes to, "schema" for CREATE statements, "other" when none is named. */
  sqlRowsByTable: Record<string, number>;
  alarmWrites: number;
}

type Cursor = { rowsWritten?: number };

const WRITE_TARGET = /^\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+(\w+)/i;

/** Returns the table a write statement names, "schema" for CREATE statements, or "other". */
function writtenTable(query: string): string {
  if (/^\s*CREATE\s/i.test(query)) {
    return "schema";
  }
  return WRITE_TARGET.exec(query)?.[1] ?? "other";
}

/**
 * Outbound frames of every instance object in this isolate. The send path has no reference to
 * its object, so outbound counts are per isolate.
 * NOTE: with several instance objects active at once, each meter reports the isolate's total
 * outbound traffic. The benchmark drives one object at a time.
 */
const outbound = { enabled: false, messages: 0, bytes: 0 };

/** Counts one frame sent to a socket; a no-op unless a meter is installed. */
export function countOutbound(text: string): void {
  if (outbound.enabled) {
    outbound.messages += 1;
    outbound.bytes += new TextEncoder().encode(text).byteLength;
  }
}

function byteLength(message: string | ArrayBuffer): number {
  return typeof message === "string" ? new TextEncoder().encode(message).byteLength : message.byteLength;
}

const meters = new Map<string, CostMeter>();

export class CostMeter {
  private starts = 0;
  private readonly startedAt = Date.now();
  private readonly invocations: Record<InvocationKind, number> = { fetch: 0, webSocketMessage: 0, webSocketClose: 0, alarm: 0 };
  private handlerMs = 0;
  private clockAdvanced = false;
  private inboundMessages = 0;
  private readonly deadlines: Record<string, number> = {};
  private inboundBytes = 0;
  private kvWrites = 0;
  private readonly kvWritesByKey: Record<string, number> = {};
  private alarmWrites = 0;
  private sqlRowsWritten = 0;
  private readonly sqlRowsByTable: Record<string, number> = {};
  /** Cursors of the running invocations; their rowsWritten grows as they are consumed, so they are summed at the end. */
  private openCursors: { cursor: Cursor; table: string }[] = [];
  private readonly outboundAtStart = { messages: outbound.messages, bytes: outbound.bytes };

  private constructor() {}

  /** Returns this object's meter, wrapping `ctx.storage`'s write calls, when the variable is "1", else null. */
  static install(ctx: DurableObjectState, env: Env): CostMeter | null {
    if (env.COMFYCARRY_METER !== "1") {
      return null;
    }
    const id = ctx.id.toString();
    const meter = meters.get(id) ?? new CostMeter();
    meters.set(id, meter);
    meter.starts += 1;
    meter.wrapStorage(ctx.storage);
    outbound.enabled = true;
    return meter;
  }

  /** Counts one invocation; call the returned function when the handler returns or throws. */
  begin(kind: InvocationKind, message?: string | ArrayBuffer): () => void {
    this.invocations[kind] += 1;
    if (message !== undefined) {
      this.inboundMessages += 1;
      this.inboundBytes += byteLength(message);
    }

    const started = performance.now();
    return () => {
      const elapsed = performance.now() - started;
      this.handlerMs += elapsed;
      this.clockAdvanced ||= elapsed > 0;
      this.settleCursors();
    };
  }

  countDeadlines(keys: string[]): void {
    for (const key of keys) {
      const name = key.split(":")[0] ?? key;
      this.deadlines[name] = (this.deadlines[name] ?? 0) + 1;
    }
  }

  read(): MeterReading {
    this.settleCursors();
    return {
      startedAt: this.startedAt,
      starts: this.starts,
      invocations: { ...this.invocations },
      handlerMs: this.handlerMs,
      clockAdvanced: this.clockAdvanced,
      deadlines: { ...this.deadlines },
      inboundMessages: this.inboundMessages,
      inboundBytes: this.inboundBytes,
      outboundMessages: outbound.messages - this.outboundAtStart.messages,
      outboundBytes: outbound.bytes - this.outboundAtStart.bytes,
      rowsWritten: this.kvWrites + this.sqlRowsWritten + this.alarmWrites,
      kvWrites: this.kvWrites,
      kvWritesByKey: { ...this.kvWritesByKey },
      sqlRowsWritten: this.sqlRowsWritten,
      sqlRowsByTable: { ...this.sqlRowsByTable },
      alarmWrites: this.alarmWrites,
    };
  }

  private countKvWrite(key: string): void {
    this.kvWrites += 1;
    this.kvWritesByKey[key] = (this.kvWritesByKey[key] ?? 0) + 1;
  }

  private settleCursors(): void {
    for (const { cursor, table } of this.openCursors) {
      const rows = typeof cursor.rowsWritten === "number" ? cursor.rowsWritten : 0;
      this.sqlRowsWritten += rows;
      if (rows > 0) {
        this.sqlRowsByTable[table] = (this.sqlRowsByTable[table] ?? 0) + rows;
      }
    }
    this.openCursors = [];
  }

  /**
   * Replaces the write methods on this object's storage with counting wrappers. Every module
   * of the object reaches storage through `ctx.storage`, so the wrappers count all of its writes.
   */
  private wrapStorage(storage: DurableObjectStorage): void {
    const kv = storage.kv;
    const put = kv.put.bind(kv);
    const remove = kv.delete.bind(kv);
    kv.put = (key, value) => {
      this.countKvWrite(key);
      put(key, value);
    };
    kv.delete = (key) => {
      this.countKvWrite(key);
      return remove(key);
    };

    const sql = storage.sql;
    const exec = sql.exec.bind(sql);
    sql.exec = ((query: string, ...bindings: unknown[]) => {
      const cursor = exec(query, ...bindings);
      this.openCursors.push({ cursor, table: writtenTable(query) });
      return cursor;
    }) as typeof sql.exec;

    const setAlarm = storage.setAlarm.bind(storage);
    storage.setAlarm = async (time, options) => {
      this.alarmWrites += 1;
      await setAlarm(time, options);
    };
  }
}
