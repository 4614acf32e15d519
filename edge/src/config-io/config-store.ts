/**
 * @module The setup wizard's stored values in the fleet object's SQLite: one row per instance
 * and one under {@link DEFAULT_CONFIG_KEY} for the fleet default that an import fills. The
 * table is created here when missing, so it needs no schema version of its own.
 */
import { z } from "zod";

/** Key of the fleet-wide default configuration. */
export const DEFAULT_CONFIG_KEY = "default";

const rowSchema = z.object({ body: z.string(), updated_at: z.number() });

export interface StoredDeployConfig {
  /** The configuration as JSON; the route parses it with the shared schema. */
  body: string;
  updatedAt: number;
}

export class DeployConfigStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS deploy_configs (key TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at INTEGER NOT NULL)");
  }

  get(key: string): StoredDeployConfig | null {
    const [row] = this.sql.exec("SELECT body, updated_at FROM deploy_configs WHERE key = ?", key).toArray();
    if (row === undefined) {
      return null;
    }
    const parsed = rowSchema.parse(row);
    return { body: parsed.body, updatedAt: parsed.updated_at };
  }

  set(key: string, body: string, now: number): void {
    this.sql.exec("INSERT OR REPLACE INTO deploy_configs (key, body, updated_at) VALUES (?, ?, ?)", key, body, now);
  }

  delete(key: string): void {
    this.sql.exec("DELETE FROM deploy_configs WHERE key = ?", key);
  }
}
