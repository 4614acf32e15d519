/**
 * @module The fleet object's SQLite schema and its upgrades. Version 1 (the walking skeleton)
 * had only `instances`, with a token hash that could not be empty; version 2 lets an instance
 * exist without a token (revoked) and adds the security tables.
 */

export const SCHEMA_VERSION = 2;

const INSTANCES_TABLE = `CREATE TABLE instances (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  token_hash TEXT UNIQUE,
  created_at TEXT NOT NULL
)`;

const SECURITY_TABLES = [
  `CREATE TABLE IF NOT EXISTS owner (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    password_hash TEXT NOT NULL,
    source TEXT NOT NULL,
    env_fingerprint TEXT,
    updated_at INTEGER NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS credentials (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    scope TEXT,
    hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    use_count INTEGER NOT NULL DEFAULT 0
  )`,
  `CREATE TABLE IF NOT EXISTS throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    instance_id TEXT,
    action TEXT NOT NULL,
    args TEXT,
    result TEXT NOT NULL
  )`,
  "CREATE INDEX IF NOT EXISTS audit_at ON audit (at)",
  `CREATE TABLE IF NOT EXISTS secrets (
    name TEXT PRIMARY KEY,
    ciphertext TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  )`,
];

function tableExists(sql: SqlStorage, name: string): boolean {
  return sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", name).toArray().length > 0;
}

function storedVersion(sql: SqlStorage): number {
  sql.exec("CREATE TABLE IF NOT EXISTS schema_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
  const [row] = sql.exec("SELECT value FROM schema_meta WHERE key = 'version'").toArray();
  if (row !== undefined && typeof row.value === "number") {
    return row.value;
  }
  return tableExists(sql, "instances") ? 1 : 0;
}

/** Brings the schema to {@link SCHEMA_VERSION} in one transaction; a no-op when it is current. */
export function migrate(storage: DurableObjectStorage): void {
  const sql = storage.sql;
  const version = storedVersion(sql);
  if (version >= SCHEMA_VERSION) {
    return;
  }

  storage.transactionSync(() => {
    if (version === 1) {
      // SQLite cannot drop NOT NULL in place, so the table is copied into the new shape.
      sql.exec(INSTANCES_TABLE.replace("CREATE TABLE instances", "CREATE TABLE instances_v2"));
      sql.exec("INSERT INTO instances_v2 (id, name, token_hash, created_at) SELECT id, name, token_hash, created_at FROM instances");
      sql.exec("DROP TABLE instances");
      sql.exec("ALTER TABLE instances_v2 RENAME TO instances");
    } else {
      sql.exec(INSTANCES_TABLE);
    }
    for (const statement of SECURITY_TABLES) {
      sql.exec(statement);
    }
    sql.exec("INSERT OR REPLACE INTO schema_meta (key, value) VALUES ('version', ?)", SCHEMA_VERSION);
  });
}
