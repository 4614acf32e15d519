import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

import { logLevelNameSchema } from "@comfycarry/shared";
import type { LogEntry, LogLevelName, LogPage, LogQuery } from "@comfycarry/shared";
import { z } from "zod";

import { LOG_FILE_EXTENSION, LOG_FILE_STEM } from "./files.js";

/** pino's numeric levels. */
const LEVELS: Record<LogLevelName, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const MAX_COMPONENTS = 100;

const lineSchema = z.looseObject({
  level: z.number(),
  time: z.string(),
  msg: z.string().optional(),
  component: z.string().optional(),
});

function levelName(level: number): LogLevelName {
  const names = Object.entries(LEVELS).filter(([, value]) => value <= level);
  const found = names.at(-1)?.[0];
  return found === undefined ? "trace" : logLevelNameSchema.parse(found);
}

/** Returns the rotated log files in `dir`, newest first (pino-roll numbers them upwards). */
async function logFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") {
      return [];
    }
    throw error;
  }
  const pattern = new RegExp(`^${LOG_FILE_STEM}\\.(\\d+)${LOG_FILE_EXTENSION.replace(".", "\\.")}$`);
  return names
    .flatMap((name) => {
      const match = pattern.exec(name);
      return match?.[1] === undefined ? [] : [{ name, number: Number(match[1]) }];
    })
    .sort((a, b) => b.number - a.number)
    .map((file) => join(dir, file.name));
}

function toEntry(line: z.infer<typeof lineSchema>): LogEntry | null {
  const time = new Date(line.time);
  if (Number.isNaN(time.getTime())) {
    return null;
  }
  const { level, time: _time, msg, component, ...rest } = line;
  return {
    time: time.toISOString(),
    level: levelName(level),
    component: component ?? null,
    msg: (msg ?? "").slice(0, 2000),
    fields: JSON.stringify(rest).slice(0, 4000),
  };
}

/**
 * Reads the reporter's log files under `dir` newest first and returns up to `query.limit`
 * lines that match. Lines that are not pino JSON (e.g. a torn last line) are skipped.
 */
export async function queryLogs(dir: string, query: LogQuery): Promise<LogPage> {
  const minLevel = query.level === undefined ? 0 : LEVELS[query.level];
  const before = query.before === undefined ? Number.POSITIVE_INFINITY : Date.parse(query.before);
  const search = query.search?.toLowerCase();
  const entries: LogEntry[] = [];
  const components = new Set<string>();

  for (const file of await logFiles(dir)) {
    const lines = (await readFile(file, "utf8")).split("\n").reverse();
    for (const text of lines) {
      if (text === "") {
        continue;
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        continue;
      }
      const parsed = lineSchema.safeParse(json);
      if (!parsed.success) {
        continue;
      }
      const line = parsed.data;
      if (line.component !== undefined && components.size < MAX_COMPONENTS) {
        components.add(line.component);
      }
      if (search !== undefined && !text.toLowerCase().includes(search)) {
        continue;
      }
      if (line.level < minLevel || (query.component !== undefined && line.component !== query.component) || !(Date.parse(line.time) < before)) {
        continue;
      }
      const entry = toEntry(line);
      if (entry === null) {
        continue;
      }
      if (entries.length === query.limit) {
        return { entries, components: [...components].sort(), more: true };
      }
      entries.push(entry);
    }
  }
  return { entries, components: [...components].sort(), more: false };
}
