/** The Workflows page's back end: lists the user's workflows with what each needs and what is missing. */
import { join } from "node:path";

import { ComfyCarryError, toUtcTimestamp } from "@comfycarry/shared";
import type { ManifestModel, ModelStatus, WorkflowManifest, WorkflowSummary } from "@comfycarry/shared";

import type { LocalPack } from "../comfyui-control/nodes/local-packs.js";
import type { Logger } from "../log/logger.js";
import { CatalogSource } from "./catalog-source.js";
import { installedModels, unionManifest } from "./instance-manifest.js";
import { WorkflowParseError, parseWorkflow } from "./parse/manifest.js";
import type { ParsedWorkflow } from "./parse/manifest.js";
import { comfyuiModelNames, modelPresent, packPresent } from "./presence.js";
import { PullPolicies } from "./pull-policy.js";
import { WorkflowFiles } from "./workflow-files.js";
import type { WorkflowFile } from "./workflow-files.js";

export interface WorkflowsServiceOptions {
  comfyuiDir: string;
  comfyuiUrl: string;
  stateDir: string;
  /** extension-node-map.json to use when ComfyUI-Manager does not serve its node map; null for none. */
  nodeMapFile: string | null;
  installedPacks: () => Promise<LocalPack[]>;
  log: Logger;
}

export class WorkflowsService {
  readonly files: WorkflowFiles;
  readonly catalog: CatalogSource;
  readonly modelsDir: string;
  readonly log: Logger;

  private constructor(
    private readonly options: WorkflowsServiceOptions,
    readonly policies: PullPolicies,
  ) {
    this.log = options.log.child({ component: "workflows" });
    this.files = new WorkflowFiles(join(options.comfyuiDir, "user", "default", "workflows"));
    this.modelsDir = join(options.comfyuiDir, "models");
    this.catalog = new CatalogSource({ comfyuiUrl: options.comfyuiUrl, nodeMapFile: options.nodeMapFile, installedPacks: options.installedPacks, log: this.log });
  }

  static async open(options: WorkflowsServiceOptions): Promise<WorkflowsService> {
    const policies = await PullPolicies.open(join(options.stateDir, "workflows", "pull-policy.json"), options.log);
    return new WorkflowsService(options, policies);
  }

  /** Parses one stored workflow; a file that is not a workflow raises `invalid_arguments` naming the problem. */
  async parse(path: string): Promise<ParsedWorkflow> {
    let json: unknown;
    try {
      json = await this.files.read(path);
    } catch (error) {
      if (error instanceof SyntaxError) {
        throw new ComfyCarryError("invalid_arguments", `workflow ${path} is not valid JSON: ${error.message}`, { path });
      }
      throw error;
    }
    return this.parseJson(json, path);
  }

  async parseJson(json: unknown, path: string): Promise<ParsedWorkflow> {
    try {
      return parseWorkflow(json, path, await this.catalog.get());
    } catch (error) {
      if (error instanceof WorkflowParseError) {
        throw new ComfyCarryError("invalid_arguments", error.message, { path });
      }
      throw error;
    }
  }

  async summary(file: WorkflowFile, installed: LocalPack[]): Promise<WorkflowSummary> {
    const base = { path: file.path, size: file.size, modified_at: toUtcTimestamp(file.modifiedAt) };
    let parsed: ParsedWorkflow;
    try {
      parsed = await this.parse(file.path);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { ...base, format: null, error: message, comfyui_ref: null, models: [], custom_nodes: [], inactive_nodes: [] };
    }
    const { manifest } = parsed;
    return {
      ...base,
      format: parsed.format,
      error: null,
      comfyui_ref: manifest.comfyui.ref,
      models: await this.#withPresence(manifest.models),
      custom_nodes: manifest.custom_nodes.map((pack) => ({ ...pack, present: packPresent(installed, pack) })),
      inactive_nodes: manifest.inactive_nodes,
    };
  }

  /** Marks each model present when it is on disk or ComfyUI lists it (extra_model_paths.yaml folders). */
  async #withPresence(models: ManifestModel[]): Promise<ModelStatus[]> {
    const listed = new Map<string, Promise<Set<string> | null>>();
    const out: ModelStatus[] = [];
    for (const model of models) {
      let present = await modelPresent(this.modelsDir, model);
      if (!present && model.folder !== null) {
        let names = listed.get(model.folder);
        if (names === undefined) {
          names = comfyuiModelNames(this.options.comfyuiUrl, model.folder);
          listed.set(model.folder, names);
        }
        present = (await names)?.has(model.name) === true;
      }
      out.push({ ...model, present });
    }
    return out;
  }

  installedPacksNow(): Promise<LocalPack[]> {
    return this.options.installedPacks();
  }

  async list(): Promise<{ workflows: WorkflowSummary[] }> {
    const installed = await this.options.installedPacks();
    const files = await this.files.list();
    const workflows: WorkflowSummary[] = [];
    for (const file of files) {
      workflows.push(await this.summary(file, installed));
    }
    return { workflows };
  }

  /** Stores an uploaded workflow after checking it parses, and refreshes the manifest file beside it. */
  async upload(path: string, content: string, overwrite: boolean): Promise<WorkflowSummary> {
    let json: unknown;
    try {
      json = JSON.parse(content);
    } catch (error) {
      throw new ComfyCarryError("invalid_arguments", `the uploaded file is not valid JSON: ${(error as Error).message}`, { path });
    }
    await this.parseJson(json, path);
    await this.files.write(path, content, overwrite);
    this.log.info({ path, bytes: Buffer.byteLength(content) }, "workflow uploaded");
    await this.writeInstanceManifest().catch((error: unknown) => this.log.warn({ err: error }, "instance manifest could not be written after an upload"));

    const file = (await this.files.list()).find((entry) => entry.path === path);
    if (file === undefined) {
      throw new ComfyCarryError("internal_error", `workflow ${path} was written but is not in the folder listing`);
    }
    return this.summary(file, await this.options.installedPacks());
  }

  /** Builds the instance manifest: every workflow that parses, plus installed packs and model files. */
  async instanceManifest(): Promise<WorkflowManifest> {
    const manifests: WorkflowManifest[] = [];
    for (const file of await this.files.list()) {
      try {
        manifests.push((await this.parse(file.path)).manifest);
      } catch (error) {
        this.log.debug({ err: error, path: file.path }, "workflow left out of the instance manifest");
      }
    }
    return unionManifest(manifests, await this.options.installedPacks(), await installedModels(this.modelsDir));
  }

  /** Writes the instance manifest next to the workflows, where the workflows sync rule carries it to the remote. */
  async writeInstanceManifest(): Promise<WorkflowManifest> {
    const manifest = await this.instanceManifest();
    await this.files.writeManifest(`${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  }
}
