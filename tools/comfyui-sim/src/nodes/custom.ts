/**
 * Loads custom node packs from `custom_nodes/`. A pack folder holding `comfyui-sim.json`
 * declares its node classes, or an import failure; the format is documented in the README.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

import type { Folders } from "../folders/folders.js";
import { parsePyJson } from "../py/parse.js";
import { PyError, isDict, numericValue, type PyDict, type PyValue } from "../py/value.js";
import type { InputGroup, InputSpec, NodeClass } from "./types.js";

export const DECLARATION_FILE = "comfyui-sim.json";

/** The outcome of loading one pack, for the import-times block. */
export interface PackResult {
  path: string;
  seconds: number;
  prestartupSeconds: number | null;
  importError: string | null;
  /** Simulator-only: the failed import takes the process down (exit status 1), as a crashing native extension would. */
  importExits: boolean;
  classes: NodeClass[];
}

class DeclarationError extends Error {}

function expectDict(value: PyValue | undefined, where: string): PyDict {
  if (value === undefined || value === null) {
    return new Map();
  }
  if (!isDict(value)) {
    throw new DeclarationError(`${where} must be an object`);
  }
  return value;
}

function optionalString(value: PyValue | undefined, where: string): string | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (typeof value !== "string") {
    throw new DeclarationError(`${where} must be a string`);
  }
  return value;
}

function optionalSeconds(value: PyValue | undefined, where: string): number | null {
  if (value === undefined || value === null) {
    return null;
  }
  const seconds = numericValue(value);
  if (seconds === null || seconds < 0) {
    throw new DeclarationError(`${where} must be a non-negative number of seconds`);
  }
  return seconds;
}

function stringList(value: PyValue | undefined, where: string): string[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new DeclarationError(`${where} must be a list of strings`);
  }
  return value as string[];
}

/** Turns a declared input group into specs; `[{"models": "loras"}, {...}]` lists a model folder live. */
function inputGroup(value: PyValue | undefined, where: string, folders: Folders): () => InputGroup {
  const declared = expectDict(value, where);
  const entries: Array<[string, PyValue, PyDict]> = [];
  for (const [name, raw] of declared) {
    if (typeof raw === "string") {
      entries.push([name, raw, new Map()]);
      continue;
    }
    if (!Array.isArray(raw) || raw.length === 0 || raw.length > 2) {
      throw new DeclarationError(`${where}.${name} must be [type, {options}] or a type name`);
    }
    entries.push([name, raw[0] ?? null, expectDict(raw[1], `${where}.${name}[1]`)]);
  }
  return () =>
    new Map(
      entries.map(([name, type, options]): [string, InputSpec] => {
        if (isDict(type) && typeof type.get("models") === "string") {
          return [name, [folders.modelFiles(String(type.get("models"))), options]];
        }
        return [name, [type, options]];
      }),
    );
}

function declaredClass(name: string, value: PyValue, packName: string, folders: Folders): NodeClass {
  const where = `nodes.${name}`;
  const declared = expectDict(value, where);
  const input = expectDict(declared.get("input"), `${where}.input`);
  const required = inputGroup(input.get("required"), `${where}.input.required`, folders);
  const optional = inputGroup(input.get("optional"), `${where}.input.optional`, folders);
  const hidden = inputGroup(input.get("hidden"), `${where}.input.hidden`, folders);
  const outputs = stringList(declared.get("output"), `${where}.output`);
  const outputNames = declared.has("output_name") ? stringList(declared.get("output_name"), `${where}.output_name`) : outputs;
  const ui = optionalString(declared.get("ui"), `${where}.ui`);
  if (ui !== null && ui !== "images" && ui !== "text") {
    throw new DeclarationError(`${where}.ui must be "images", "text" or null`);
  }
  const outputIsList = declared.get("output_is_list");

  return {
    name,
    displayName: optionalString(declared.get("display_name"), `${where}.display_name`) ?? name,
    description: optionalString(declared.get("description"), `${where}.description`) ?? "",
    category: optionalString(declared.get("category"), `${where}.category`) ?? "custom",
    pythonModule: `custom_nodes.${packName}`,
    inputs: () => ({ required: required(), optional: optional(), hidden: hidden() }),
    outputTypes: outputs,
    outputNames,
    outputIsList: Array.isArray(outputIsList) ? outputIsList.map((item) => item === true) : outputs.map(() => false),
    outputTooltips: null,
    outputNode: declared.get("output_node") === true,
    deprecated: declared.get("deprecated") === true,
    experimental: declared.get("experimental") === true,
    customValidation: () => null,
    behaviour: { kind: "custom", seconds: optionalSeconds(declared.get("run_seconds"), `${where}.run_seconds`), ui },
  };
}

function loadDeclaration(packPath: string, packName: string, folders: Folders): PackResult {
  const file = path.join(packPath, DECLARATION_FILE);
  const result: PackResult = { path: packPath, seconds: 0, prestartupSeconds: null, importError: null, importExits: false, classes: [] };
  if (!existsSync(file)) {
    return result;
  }
  try {
    const declaration = expectDict(parsePyJson(readFileSync(file, "utf8")), DECLARATION_FILE);
    result.seconds = optionalSeconds(declaration.get("import_seconds"), "import_seconds") ?? 0;
    result.prestartupSeconds = optionalSeconds(declaration.get("prestartup_seconds"), "prestartup_seconds");
    result.importError = optionalString(declaration.get("import_error"), "import_error");
    result.importExits = result.importError !== null && declaration.get("import_exits") === true;
    if (result.importError === null) {
      result.classes = [...expectDict(declaration.get("nodes"), "nodes")].map(([name, value]) => declaredClass(name, value, packName, folders));
    }
  } catch (error) {
    const reason = error instanceof PyError ? error.pyMessage : error instanceof Error ? error.message : String(error);
    // A broken declaration shows up the way a broken pack does: as an import failure.
    result.importError = `SyntaxError: invalid ${DECLARATION_FILE}: ${reason}`;
  }
  return result;
}

/** Lists and loads packs the way ComfyUI picks them: folders and `.py` files, skipping `*.disabled` and `__pycache__`. */
export function loadCustomNodePacks(folders: Folders, allowed: (name: string) => boolean): PackResult[] {
  let names: string[];
  try {
    names = readdirSync(folders.customNodesDir);
  } catch {
    return [];
  }
  const results: PackResult[] = [];
  for (const name of names.sort()) {
    const packPath = path.join(folders.customNodesDir, name);
    const isFile = statSync(packPath).isFile();
    if ((isFile && path.extname(name) !== ".py") || name.endsWith(".disabled") || name === "__pycache__" || !allowed(name)) {
      continue;
    }
    const packName = isFile ? path.basename(name, ".py") : name;
    results.push(isFile ? { path: packPath, seconds: 0, prestartupSeconds: null, importError: null, importExits: false, classes: [] } : loadDeclaration(packPath, packName, folders));
  }
  return results;
}

/** Returns the message after the exception type, as ComfyUI's "Cannot import" line shows it. */
export function importErrorMessage(importError: string): { type: string; message: string } {
  const colon = importError.indexOf(": ");
  if (colon <= 0) {
    return { type: "Exception", message: importError };
  }
  return { type: importError.slice(0, colon), message: importError.slice(colon + 2) };
}
