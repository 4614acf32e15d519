/**
 * The deploy record in SQLite (`node:sqlite`): runs and their steps for the wizard, the
 * last successful inputs and outcome of each step for skipping, node issues, and the child
 * processes a killed reporter may have left behind.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";

import { DEPLOY_STEP_IDS, deployNodeIssueSchema, deployRequestSchema, deployRunStateSchema, deployStepSchema, toUtcTimestamp } from "@comfycarry/shared";
import type { DeployNodeIssue, DeployRequest, DeployRun, DeployRunState, DeployStep, DeployStepId } from "@comfycarry/shared";
import { z } from "zod";

const runRowSchema = z.object({ id: z.string(), state: deployRunStateSchema, request: z.string(), started_at: z.string(), finished_at: z.string().nullable() });
const stepRowSchema = z.object({ step: z.string() });
const resultRowSchema = z.object({ inputs_hash: z.string(), outcome: z.string() });
const issueRowSchema = z.object({ issue: z.string() });
const childRowSchema = z.object({ pid: z.number(), start_ticks: z.string(), step_id: z.string(), command: z.string() });

/** A child process started by a step, with the kernel start time that distinguishes it from a later process with the same pid. */
export interface RecordedChild {
  pid: number;
  startTicks: string;
  stepId: string;
  command: string;
}

export class DeployStore {
  readonly #db: DatabaseSync;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.#db = new DatabaseSync(path);
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS runs (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        request TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT
      );
      CREATE TABLE IF NOT EXISTS run_steps (
        run_id TEXT NOT NULL,
        step_id TEXT NOT NULL,
        step TEXT NOT NULL,
        PRIMARY KEY (run_id, step_id)
      );
      CREATE TABLE IF NOT EXISTS step_results (
        step_id TEXT PRIMARY KEY,
        inputs_hash TEXT NOT NULL,
        outcome TEXT NOT NULL,
        finished_at TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS node_issues (
        name TEXT PRIMARY KEY,
        issue TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS children (
        pid INTEGER PRIMARY KEY,
        start_ticks TEXT NOT NULL,
        step_id TEXT NOT NULL,
        command TEXT NOT NULL
      );
    `);
  }

  createRun(id: string, request: DeployRequest, steps: DeployStep[]): void {
    this.#db.prepare("INSERT INTO runs (id, state, request, started_at) VALUES (?, 'running', ?, ?)").run(id, JSON.stringify(request), toUtcTimestamp());
    for (const step of steps) {
      this.saveStep(id, step);
    }
  }

  saveStep(runId: string, step: DeployStep): void {
    this.#db.prepare("INSERT OR REPLACE INTO run_steps (run_id, step_id, step) VALUES (?, ?, ?)").run(runId, step.id, JSON.stringify(step));
  }

  finishRun(id: string, state: DeployRunState): void {
    this.#db.prepare("UPDATE runs SET state = ?, finished_at = ? WHERE id = ?").run(state, toUtcTimestamp(), id);
  }

  /** Marks runs left `running` by a reporter that died as `interrupted`; returns their ids. */
  closeInterrupted(): string[] {
    const rows = this.#db.prepare("SELECT id FROM runs WHERE state = 'running'").all();
    const ids = rows.map((row) => z.object({ id: z.string() }).parse(row).id);
    this.#db.prepare("UPDATE runs SET state = 'interrupted', finished_at = ? WHERE state = 'running'").run(toUtcTimestamp());
    for (const id of ids) {
      this.#db.prepare(`UPDATE run_steps SET step = json_set(step, '$.state', 'failed', '$.error', json_object('code', 'interrupted', 'message', 'the reporter stopped during this step')) WHERE run_id = ? AND json_extract(step, '$.state') = 'running'`).run(id);
    }
    return ids;
  }

  run(id: string): DeployRun | null {
    const row = this.#db.prepare("SELECT id, state, request, started_at, finished_at FROM runs WHERE id = ?").get(id);
    return row === undefined ? null : this.#toRun(runRowSchema.parse(row));
  }

  latestRun(): DeployRun | null {
    const row = this.#db.prepare("SELECT id, state, request, started_at, finished_at FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1").get();
    return row === undefined ? null : this.#toRun(runRowSchema.parse(row));
  }

  /** Returns whether any run succeeded; the wizard stops showing after the first success. */
  everSucceeded(): boolean {
    return this.#db.prepare("SELECT 1 FROM runs WHERE state = 'succeeded' LIMIT 1").get() !== undefined;
  }

  result(stepId: DeployStepId): { inputsHash: string; outcome: unknown } | null {
    const row = this.#db.prepare("SELECT inputs_hash, outcome FROM step_results WHERE step_id = ?").get(stepId);
    if (row === undefined) {
      return null;
    }
    const parsed = resultRowSchema.parse(row);
    return { inputsHash: parsed.inputs_hash, outcome: JSON.parse(parsed.outcome) as unknown };
  }

  saveResult(stepId: DeployStepId, inputsHash: string, outcome: unknown): void {
    this.#db.prepare("INSERT OR REPLACE INTO step_results (step_id, inputs_hash, outcome, finished_at) VALUES (?, ?, ?, ?)").run(stepId, inputsHash, JSON.stringify(outcome), toUtcTimestamp());
  }

  forgetResult(stepId: DeployStepId): void {
    this.#db.prepare("DELETE FROM step_results WHERE step_id = ?").run(stepId);
  }

  nodeIssues(): DeployNodeIssue[] {
    return this.#db
      .prepare("SELECT issue FROM node_issues ORDER BY name")
      .all()
      .map((row) => deployNodeIssueSchema.parse(JSON.parse(issueRowSchema.parse(row).issue)));
  }

  saveNodeIssue(issue: DeployNodeIssue): void {
    this.#db.prepare("INSERT OR REPLACE INTO node_issues (name, issue) VALUES (?, ?)").run(issue.name, JSON.stringify(issue));
  }

  clearNodeIssue(name: string): void {
    this.#db.prepare("DELETE FROM node_issues WHERE name = ?").run(name);
  }

  recordChild(child: RecordedChild): void {
    this.#db.prepare("INSERT OR REPLACE INTO children (pid, start_ticks, step_id, command) VALUES (?, ?, ?, ?)").run(child.pid, child.startTicks, child.stepId, child.command);
  }

  forgetChild(pid: number): void {
    this.#db.prepare("DELETE FROM children WHERE pid = ?").run(pid);
  }

  children(): RecordedChild[] {
    return this.#db
      .prepare("SELECT pid, start_ticks, step_id, command FROM children")
      .all()
      .map((row) => {
        const parsed = childRowSchema.parse(row);
        return { pid: parsed.pid, startTicks: parsed.start_ticks, stepId: parsed.step_id, command: parsed.command };
      });
  }

  close(): void {
    this.#db.close();
  }

  #toRun(row: z.infer<typeof runRowSchema>): DeployRun {
    const steps = this.#db
      .prepare("SELECT step FROM run_steps WHERE run_id = ?")
      .all(row.id)
      .map((stepRow) => deployStepSchema.parse(JSON.parse(stepRowSchema.parse(stepRow).step)))
      .sort((left, right) => DEPLOY_STEP_IDS.indexOf(left.id) - DEPLOY_STEP_IDS.indexOf(right.id));
    return {
      id: row.id,
      state: row.state,
      request: deployRequestSchema.parse(JSON.parse(row.request)),
      started_at: row.started_at,
      finished_at: row.finished_at,
      steps,
      node_issues: this.nodeIssues(),
    };
  }
}
