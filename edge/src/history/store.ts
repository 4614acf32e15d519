/**
 * @module Heartbeat history in the instance object's SQLite storage, in three tiers: raw
 * samples (at least 5 s apart) for the last hour, one point a minute for two days, and one
 * per 15 minutes for 30 days. Each tier is a ring of `maxSamples` slots keyed by
 * `floor(t / resolution) mod maxSamples`, so a new point overwrites the one a whole span
 * older in place: one row write per point, no deletes, and the row bound holds whatever
 * the clock does.
 *
 * A sample that follows the previous one within {@link SPARSE_AFTER_MS} is raw; a sparser
 * one (the unwatched cadence is one a minute) goes straight into its minute point, since a
 * raw copy would only repeat it. When a sample starts a new minute, the previous sample's
 * minute is rolled up from its raw samples into its minute point, and likewise quarter
 * hours. The 1 h range shows raw samples plus the minute points of minutes without any.
 * Every method takes `now`, so tests drive the clock.
 */
import { HISTORY_TIERS, historySampleSchema } from "@comfycarry/shared";
import type { HistoryRange, HistorySample } from "@comfycarry/shared";

/** Tiers in storage order: 0 keeps raw samples, each later one rolls up the one before. */
const TIER_RANGES: readonly HistoryRange[] = ["1h", "48h", "30d"];

const FIGURES = ["gpu_util_percent", "vram_percent", "gpu_temp_c", "cpu_percent", "memory_percent", "disk_percent"] as const;
const COLUMNS = ["t", ...FIGURES, "busy", "count"] as const;

/** Weighted mean of a figure over the rows being rolled up, ignoring rows where it is null. */
function weightedMean(column: string): string {
  return `SUM(${column} * count) / NULLIF(SUM(CASE WHEN ${column} IS NULL THEN 0 ELSE count END), 0)`;
}

function tierOf(range: HistoryRange): number {
  return TIER_RANGES.indexOf(range);
}

function bucketStart(t: number, resolutionMs: number): number {
  return Math.floor(t / resolutionMs) * resolutionMs;
}

/** Samples further apart than this are stored as minute points, not raw samples. */
export const SPARSE_AFTER_MS = 30_000;

/** Columns an upsert replaces when a point lands on a slot that contains an older point. */
const REPLACE_ALL = COLUMNS.map((column) => `${column} = excluded.${column}`).join(", ");

/**
 * Upsert assignments that merge a point into an existing one for the same `t` (weighted by
 * `count`, nulls left out) and replace an older point on the same slot. SQLite evaluates
 * every SET expression on the old row, so the order of assignments does not matter.
 */
const MERGE_OR_REPLACE = [
  ...FIGURES.map(
    (figure) =>
      `${figure} = CASE WHEN history_ring.t = excluded.t THEN (COALESCE(history_ring.${figure} * history_ring.count, 0) + COALESCE(excluded.${figure} * excluded.count, 0)) / NULLIF((CASE WHEN history_ring.${figure} IS NULL THEN 0 ELSE history_ring.count END) + (CASE WHEN excluded.${figure} IS NULL THEN 0 ELSE excluded.count END), 0) ELSE excluded.${figure} END`,
  ),
  "busy = CASE WHEN history_ring.t = excluded.t THEN (history_ring.busy * history_ring.count + excluded.busy * excluded.count) / (history_ring.count + excluded.count) ELSE excluded.busy END",
  "count = CASE WHEN history_ring.t = excluded.t THEN history_ring.count + excluded.count ELSE excluded.count END",
  "t = excluded.t",
].join(", ");

export class HistoryStore {
  /** Time of the last stored sample while the object stays in memory; undefined after a wake-up. */
  #previous: number | null | undefined = undefined;

  constructor(private readonly sql: SqlStorage) {
    // WITHOUT ROWID keeps one b-tree per table, so overwriting a slot is one row write.
    sql.exec(`CREATE TABLE IF NOT EXISTS history_ring (
      tier INTEGER NOT NULL,
      slot INTEGER NOT NULL,
      t INTEGER NOT NULL,
      gpu_util_percent REAL, vram_percent REAL, gpu_temp_c REAL, cpu_percent REAL, memory_percent REAL, disk_percent REAL,
      busy REAL NOT NULL,
      count INTEGER NOT NULL,
      PRIMARY KEY (tier, slot)
    ) WITHOUT ROWID`);
  }

  /**
   * Stores `sample` (taken at `sample.t`) unless the previous sample is less than the raw
   * resolution older. `previousHint` is the time of the previous stored sample when the
   * caller keeps one across hibernation. Without it the store uses what it remembers, or
   * after a wake-up scans the two finer tiers once. Returns whether the sample was stored.
   */
  record(sample: HistorySample, previousHint: number | null = null): boolean {
    const previous = previousHint ?? (this.#previous === undefined ? this.newestSample() : this.#previous);
    const raw = HISTORY_TIERS["1h"];
    if (previous !== null && sample.t >= previous && sample.t - previous < raw.resolutionMs) {
      return false;
    }

    const minuteMs = HISTORY_TIERS["48h"].resolutionMs;
    const quarterMs = HISTORY_TIERS["30d"].resolutionMs;
    if (previous !== null && bucketStart(previous, minuteMs) !== bucketStart(sample.t, minuteMs)) {
      this.rollUp(1, bucketStart(previous, minuteMs));
      if (bucketStart(previous, quarterMs) !== bucketStart(sample.t, quarterMs)) {
        this.rollUp(2, bucketStart(previous, quarterMs));
      }
    }

    const sparse = previous === null || sample.t < previous || sample.t - previous >= SPARSE_AFTER_MS;
    if (sparse) {
      this.upsert(1, { ...sample, t: bucketStart(sample.t, minuteMs) }, MERGE_OR_REPLACE);
    } else {
      this.upsert(0, sample, REPLACE_ALL);
    }
    this.#previous = sample.t;
    return true;
  }

  /** Returns the points of `range` that lie within its span before `now`, oldest first. */
  read(range: HistoryRange, now: number): HistorySample[] {
    const points = this.readTier(tierOf(range), now - HISTORY_TIERS[range].spanMs, now);
    if (range !== "1h") {
      return points;
    }

    // Minutes stored only as minute points (sparse samples) complete the raw hour.
    const minuteMs = HISTORY_TIERS["48h"].resolutionMs;
    const rawMinutes = new Set(points.map((point) => bucketStart(point.t, minuteMs)));
    const sparse = this.readTier(1, now - HISTORY_TIERS["1h"].spanMs, now).filter((point) => !rawMinutes.has(point.t));
    return [...points, ...sparse].sort((a, b) => a.t - b.t);
  }

  /** Returns how many rows each tier keeps, for tests and the cost benchmark. */
  rowCounts(): Record<HistoryRange, number> {
    const counts: Record<HistoryRange, number> = { "1h": 0, "48h": 0, "30d": 0 };
    for (const row of this.sql.exec("SELECT tier, COUNT(*) AS rows FROM history_ring GROUP BY tier").toArray()) {
      const range = TIER_RANGES[Number(row.tier)];
      if (range !== undefined) {
        counts[range] = Number(row.rows);
      }
    }
    return counts;
  }

  /** Deletes every row, e.g. when the instance is removed. */
  clear(): void {
    this.sql.exec("DELETE FROM history_ring");
    this.#previous = null;
  }

  private readTier(tier: number, after: number, until: number): HistorySample[] {
    const rows = this.sql.exec(`SELECT ${COLUMNS.join(", ")} FROM history_ring WHERE tier = ? AND t > ? AND t <= ? ORDER BY t`, tier, after, until).toArray();
    return rows.map((row) => historySampleSchema.parse(row));
  }

  /** Time of the newest raw sample or minute point; scans both tiers, because `t` has no index. */
  private newestSample(): number | null {
    const [row] = this.sql.exec("SELECT MAX(t) AS t FROM history_ring WHERE tier <= 1").toArray();
    return typeof row?.t === "number" ? row.t : null;
  }

  private upsert(tier: number, point: HistorySample, onConflict: string): void {
    const range = TIER_RANGES[tier];
    if (range === undefined) {
      return;
    }
    const { resolutionMs, maxSamples } = HISTORY_TIERS[range];
    this.sql.exec(
      `INSERT INTO history_ring (tier, slot, ${COLUMNS.join(", ")}) VALUES (?, ?, ${COLUMNS.map(() => "?").join(", ")})
       ON CONFLICT (tier, slot) DO UPDATE SET ${onConflict}`,
      tier,
      Math.floor(point.t / resolutionMs) % maxSamples,
      ...COLUMNS.map((column) => point[column]),
    );
  }

  /**
   * Merges the points of tier `tier - 1` inside the bucket starting at `start` into that
   * bucket's point of `tier`, if the finer tier contains any. One row write at most.
   */
  private rollUp(tier: number, start: number): void {
    const range = TIER_RANGES[tier];
    if (range === undefined) {
      return;
    }
    const { resolutionMs } = HISTORY_TIERS[range];
    const figures = FIGURES.map((figure) => `${weightedMean(figure)} AS ${figure}`).join(", ");
    const [row] = this.sql
      .exec(`SELECT ${figures}, SUM(busy * count) / SUM(count) AS busy, SUM(count) AS count FROM history_ring WHERE tier = ? AND t >= ? AND t < ?`, tier - 1, start, start + resolutionMs)
      .toArray();
    if (row === undefined || row.count === null) {
      return;
    }
    this.upsert(tier, historySampleSchema.parse({ ...row, t: start }), MERGE_OR_REPLACE);
  }
}
