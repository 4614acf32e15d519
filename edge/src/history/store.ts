/**
 * @module Heartbeat history in the instance object's SQLite storage, in three tiers: every
 * sample (at least 5 s apart) for the last hour, one point a minute for two days, and one
 * per 15 minutes for 30 days. A sample is written on arrival; when it starts a new minute,
 * the finished minutes are rolled up into the next tier (and finished quarter hours into
 * the last), and rows past their tier's span or row bound are deleted. Each tier thus keeps
 * at most `HISTORY_TIERS[range].maxSamples` rows after each minute's trim. Every method
 * takes `now`, so tests drive the clock.
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

export class HistoryStore {
  constructor(private readonly sql: SqlStorage) {
    // WITHOUT ROWID keeps one b-tree per table, so each sample costs one row write, not two.
    sql.exec(`CREATE TABLE IF NOT EXISTS history (
      tier INTEGER NOT NULL,
      t INTEGER NOT NULL,
      gpu_util_percent REAL, vram_percent REAL, gpu_temp_c REAL, cpu_percent REAL, memory_percent REAL, disk_percent REAL,
      busy REAL NOT NULL,
      count INTEGER NOT NULL,
      PRIMARY KEY (tier, t)
    ) WITHOUT ROWID`);
  }

  /**
   * Stores `sample` (taken at `sample.t`, normally `now`) unless the previous raw sample is
   * less than the raw resolution older. Returns whether it was stored.
   */
  record(sample: HistorySample, now: number): boolean {
    const raw = HISTORY_TIERS["1h"];
    const last = this.latest(0);
    if (last !== null && sample.t - last < raw.resolutionMs && sample.t >= last) {
      return false;
    }

    this.sql.exec(
      `INSERT OR REPLACE INTO history (tier, ${COLUMNS.join(", ")}) VALUES (0, ${COLUMNS.map(() => "?").join(", ")})`,
      ...COLUMNS.map((column) => sample[column]),
    );

    // Deleting nothing writes no rows, so trimming the raw tier on every sample costs only the statements.
    const minuteMs = HISTORY_TIERS["48h"].resolutionMs;
    if (last === null || bucketStart(last, minuteMs) !== bucketStart(sample.t, minuteMs)) {
      this.rollUp(1, now);
      this.rollUp(2, now);
      this.trim(TIER_RANGES, now, true);
    } else {
      this.trim(["1h"], now, false);
    }
    return true;
  }

  /** Returns the points of `range` that lie within its span before `now`, oldest first. */
  read(range: HistoryRange, now: number): HistorySample[] {
    const { spanMs } = HISTORY_TIERS[range];
    const rows = this.sql.exec(`SELECT ${COLUMNS.join(", ")} FROM history WHERE tier = ? AND t > ? AND t <= ? ORDER BY t`, tierOf(range), now - spanMs, now).toArray();
    return rows.map((row) => historySampleSchema.parse(row));
  }

  /** Returns how many rows each tier keeps, for tests and the cost benchmark. */
  rowCounts(): Record<HistoryRange, number> {
    const counts: Record<HistoryRange, number> = { "1h": 0, "48h": 0, "30d": 0 };
    for (const row of this.sql.exec("SELECT tier, COUNT(*) AS rows FROM history GROUP BY tier").toArray()) {
      const range = TIER_RANGES[Number(row.tier)];
      if (range !== undefined) {
        counts[range] = Number(row.rows);
      }
    }
    return counts;
  }

  /** Deletes every row, e.g. when the instance is removed. */
  clear(): void {
    this.sql.exec("DELETE FROM history");
  }

  private latest(tier: number): number | null {
    const [row] = this.sql.exec("SELECT MAX(t) AS t FROM history WHERE tier = ?", tier).toArray();
    return typeof row?.t === "number" ? row.t : null;
  }

  /**
   * Merges the finished buckets of tier `tier - 1` that `tier` does not have yet into one
   * row per bucket. A bucket is finished once `now` has passed its end.
   */
  private rollUp(tier: number, now: number): void {
    const range = TIER_RANGES[tier];
    if (range === undefined) {
      return;
    }
    const { resolutionMs } = HISTORY_TIERS[range];
    const done = this.latest(tier);
    const from = done === null ? 0 : done + resolutionMs;
    const until = bucketStart(now, resolutionMs);
    if (until <= from) {
      return;
    }

    const figures = FIGURES.map((figure) => `${weightedMean(figure)}`).join(", ");
    this.sql.exec(
      `INSERT OR REPLACE INTO history (tier, ${COLUMNS.join(", ")})
       SELECT ?, (t / CAST(? AS INTEGER)) * ?, ${figures}, SUM(busy * count) / SUM(count), SUM(count)
       FROM history WHERE tier = ? AND t >= ? AND t < ? GROUP BY t / CAST(? AS INTEGER)`,
      tier,
      resolutionMs,
      resolutionMs,
      tier - 1,
      from,
      until,
      resolutionMs,
    );
  }

  /**
   * Deletes rows older than their tier's span and, with `bound`, any beyond its row bound,
   * which only a clock that jumped back can leave.
   */
  private trim(ranges: readonly HistoryRange[], now: number, bound: boolean): void {
    for (const range of ranges) {
      const tier = tierOf(range);
      const { spanMs, maxSamples } = HISTORY_TIERS[range];
      this.sql.exec("DELETE FROM history WHERE tier = ? AND t <= ?", tier, now - spanMs);
      if (!bound) {
        continue;
      }
      // The bound check walks the tier's rows, so it runs once a minute, not per sample.
      this.sql.exec(
        "DELETE FROM history WHERE tier = ? AND t < (SELECT t FROM history WHERE tier = ? ORDER BY t DESC LIMIT 1 OFFSET ?)",
        tier,
        tier,
        maxSamples - 1,
      );
    }
  }
}
