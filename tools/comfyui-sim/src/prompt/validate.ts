/**
 * Prompt validation with ComfyUI's results: whole-prompt errors, per-node `node_errors`,
 * in-place coercion of widget values, and the log lines a failed output prints.
 */
import path from "node:path";

import { simConsole } from "../log/logger.js";
import type { NodeRegistry } from "../nodes/registry.js";
import type { InputSpec, NodeClass } from "../nodes/types.js";
import { compareNumbers, toPyBool, toPyFloat, toPyInt } from "../py/convert.js";
import { pyRepr, pyStr } from "../py/format.js";
import { formatFrames } from "../py/traceback.js";
import { PyError, PyFloat, dict, isDict, isPyInt, type PyDict, type PyValue } from "../py/value.js";

type Reason = PyDict;
type Validated = Map<string, { valid: boolean; reasons: Reason[] }>;

export interface ValidationResult {
  ok: boolean;
  error: PyDict | null;
  goodOutputs: string[];
  nodeErrors: PyDict;
}

function reason(type: string, message: string, details: string, extraInfo: Array<[string, PyValue]>): Reason {
  return dict([
    ["type", type],
    ["message", message],
    ["details", details],
    ["extra_info", dict(extraInfo)],
  ]);
}

function promptError(type: string, message: string, details: string): PyDict {
  return reason(type, message, details, []);
}

/** Reads `prompt[id]` as a dict, raising like Python would for a missing key or a non-dict node. */
function nodeOf(prompt: PyDict, id: PyValue): PyDict {
  if (typeof id !== "string") {
    throw new PyError("KeyError", pyRepr(id));
  }
  const node = prompt.get(id);
  if (node === undefined) {
    throw new PyError("KeyError", pyRepr(id));
  }
  if (!isDict(node)) {
    throw new PyError("TypeError", "string indices must be integers, not 'str'");
  }
  return node;
}

function inputsOf(node: PyDict): PyDict {
  const inputs = node.get("inputs");
  if (inputs === undefined) {
    throw new PyError("KeyError", "'inputs'");
  }
  if (!isDict(inputs)) {
    throw new PyError("AttributeError", "object has no attribute 'keys'");
  }
  return inputs;
}

/** Python's type check between linked nodes: `*` matches anything, comma lists match on overlap. */
function typesMatch(received: PyValue, expected: PyValue): boolean {
  if (typeof received !== "string" || typeof expected !== "string") {
    return pyRepr(received) === pyRepr(expected);
  }
  if (received === "*" || expected === "*" || received === expected) {
    return true;
  }
  const receivedSet = received.split(",").map((item) => item.trim());
  const expectedSet = expected.split(",").map((item) => item.trim());
  return receivedSet.some((item) => expectedSet.includes(item));
}

function validationTraceback(): string[] {
  return formatFrames([
    { file: path.join(process.cwd(), "execution.py"), line: 1131, func: "validate_inputs", code: "r = await validate_inputs(prompt_id, prompt, o_id, validated)" },
  ]);
}

class Validator {
  readonly validated: Validated = new Map();

  constructor(
    private readonly prompt: PyDict,
    private readonly registry: NodeRegistry,
  ) {}

  classOf(node: PyDict): NodeClass {
    const classType = node.get("class_type");
    const found = typeof classType === "string" ? this.registry.get(classType) : undefined;
    if (found === undefined) {
      throw new PyError("KeyError", pyRepr(classType ?? null));
    }
    return found;
  }

  validateNode(id: string): { valid: boolean; reasons: Reason[] } {
    const known = this.validated.get(id);
    if (known !== undefined) {
      return known;
    }
    const node = nodeOf(this.prompt, id);
    const inputs = inputsOf(node);
    const nodeClass = this.classOf(node);
    const specs = nodeClass.inputs();
    const errors: Reason[] = [];
    let valid = true;

    const allInputs: Array<[string, InputSpec, boolean]> = [
      ...[...specs.required].map(([name, spec]): [string, InputSpec, boolean] => [name, spec, true]),
      ...[...specs.optional].map(([name, spec]): [string, InputSpec, boolean] => [name, spec, false]),
    ];
    for (const [name, spec, required] of allInputs) {
      const value = inputs.get(name);
      if (value === undefined) {
        if (required) {
          errors.push(reason("required_input_missing", "Required input is missing", name, [["input_name", name]]));
        }
        continue;
      }
      const outcome = Array.isArray(value) ? this.checkLink(name, spec, value) : this.checkWidget(nodeClass, inputs, name, spec, value);
      if (outcome === "upstream-invalid") {
        valid = false;
      } else if (outcome !== null) {
        errors.push(outcome);
      }
    }

    for (const [name] of allInputs) {
      const value = inputs.get(name);
      if (value === undefined || Array.isArray(value)) {
        continue;
      }
      const custom = nodeClass.customValidation(name, value);
      if (custom !== null && custom !== true) {
        errors.push(reason("custom_validation_failed", "Custom validation failed for node", `${name} - ${custom}`, [["input_name", name]]));
      }
    }

    const result = errors.length > 0 || !valid ? { valid: false, reasons: errors } : { valid: true, reasons: [] };
    this.validated.set(id, result);
    return result;
  }

  private checkLink(name: string, spec: InputSpec, link: PyValue[]): Reason | "upstream-invalid" | null {
    const inputConfig: PyValue = [spec[0], spec[1]];
    if (link.length !== 2) {
      return reason("bad_linked_input", "Bad linked input, must be a length-2 list of [node_id, slot_index]", name, [
        ["input_name", name],
        ["input_config", inputConfig],
        ["received_value", link],
      ]);
    }
    const [linkedId = null, slot = null] = link;
    const linkedClass = this.classOf(nodeOf(this.prompt, linkedId));
    if (!isPyInt(slot)) {
      throw new PyError("TypeError", `tuple indices must be integers or slices, not ${slot === null ? "NoneType" : typeof slot === "string" ? "str" : "float"}`);
    }
    const slotIndex = Number(slot) < 0 ? linkedClass.outputTypes.length + Number(slot) : Number(slot);
    const receivedType = linkedClass.outputTypes[slotIndex];
    if (receivedType === undefined) {
      throw new PyError("IndexError", "tuple index out of range");
    }
    if (!typesMatch(receivedType, spec[0])) {
      return reason("return_type_mismatch", "Return type mismatch between linked nodes", `${name}, received_type(${receivedType}) mismatch input_type(${pyStr(spec[0])})`, [
        ["input_name", name],
        ["input_config", inputConfig],
        ["received_type", receivedType],
        ["linked_node", link],
      ]);
    }
    try {
      const upstream = this.validateNode(String(linkedId));
      return upstream.valid ? null : "upstream-invalid";
    } catch (error) {
      if (!(error instanceof PyError)) {
        throw error;
      }
      return reason("exception_during_inner_validation", "Exception when validating inner node", error.pyMessage, [
        ["input_name", name],
        ["input_config", inputConfig],
        ["exception_message", error.pyMessage],
        ["exception_type", error.pyType],
        ["traceback", validationTraceback()],
        ["linked_node", link],
      ]);
    }
  }

  private checkWidget(nodeClass: NodeClass, inputs: PyDict, name: string, spec: InputSpec, raw: PyValue): Reason | null {
    const [type, options] = spec;
    const inputConfig: PyValue = [type, options];
    let value = raw;
    if (isDict(value) && value.has("__value__")) {
      value = value.get("__value__") ?? null;
      inputs.set(name, value);
    }

    try {
      if (type === "INT") {
        value = toPyInt(value);
      } else if (type === "FLOAT") {
        value = toPyFloat(value);
      } else if (type === "STRING") {
        value = pyStr(value);
      } else if (type === "BOOLEAN") {
        value = toPyBool(value);
      }
      inputs.set(name, value);
    } catch (error) {
      if (!(error instanceof PyError)) {
        throw error;
      }
      return reason("invalid_input_type", `Failed to convert an input value to a ${pyStr(type)} value`, `${name}, ${pyStr(value)}, ${error.pyMessage}`, [
        ["input_name", name],
        ["input_config", inputConfig],
        ["received_value", value],
        ["exception_message", error.pyMessage],
      ]);
    }

    // Inputs checked by a custom VALIDATE_INPUTS skip the built-in range and list checks.
    if (nodeClass.customValidation(name, value) !== null) {
      return null;
    }
    const numeric = isPyInt(value) || value instanceof PyFloat ? value : null;
    const min = options.get("min");
    if (numeric !== null && min !== undefined && (isPyInt(min) || min instanceof PyFloat) && compareNumbers(numeric, min) < 0) {
      return reason("value_smaller_than_min", `Value ${pyStr(value)} smaller than min of ${pyStr(min)}`, name, [
        ["input_name", name],
        ["input_config", inputConfig],
        ["received_value", value],
      ]);
    }
    const max = options.get("max");
    if (numeric !== null && max !== undefined && (isPyInt(max) || max instanceof PyFloat) && compareNumbers(numeric, max) > 0) {
      return reason("value_bigger_than_max", `Value ${pyStr(value)} bigger than max of ${pyStr(max)}`, name, [
        ["input_name", name],
        ["input_config", inputConfig],
        ["received_value", value],
      ]);
    }
    const comboOptions = Array.isArray(type) ? type : type === "COMBO" && Array.isArray(options.get("options")) ? (options.get("options") as PyValue[]) : null;
    if (comboOptions !== null && !comboOptions.some((option) => pyRepr(option) === pyRepr(value))) {
      const long = comboOptions.length > 20;
      return reason("value_not_in_list", "Value not in list", `${name}: '${pyStr(value)}' not in ${long ? `(list of length ${comboOptions.length})` : pyRepr(comboOptions)}`, [
        ["input_name", name],
        ["input_config", long ? null : inputConfig],
        ["received_value", value],
      ]);
    }
    return null;
  }
}

function logReasons(reasons: Reason[]): void {
  for (const item of reasons) {
    simConsole.error(`  - ${pyStr(item.get("message") ?? null)}: ${pyStr(item.get("details") ?? null)}`);
  }
}

/**
 * Validates a prompt. Throws `PyError` where ComfyUI's handler itself would raise (a 500),
 * e.g. when the prompt or a node is not a dict.
 */
export function validatePrompt(prompt: PyValue, partialTargets: PyValue | undefined, registry: NodeRegistry): ValidationResult {
  if (!isDict(prompt)) {
    throw new PyError("AttributeError", "object has no attribute 'items'");
  }
  const fail = (error: PyDict): ValidationResult => ({ ok: false, error, goodOutputs: [], nodeErrors: new Map() });

  const outputs: string[] = [];
  for (const [id, node] of prompt) {
    if (!isDict(node)) {
      throw new PyError("TypeError", "string indices must be integers, not 'str'");
    }
    if (!node.has("class_type")) {
      return fail(promptError("invalid_prompt", "Cannot execute because a node is missing the class_type property.", `Node ID '#${id}'`));
    }
    const classType = node.get("class_type") ?? null;
    const nodeClass = typeof classType === "string" ? registry.get(classType) : undefined;
    if (nodeClass === undefined) {
      return fail(promptError("invalid_prompt", `Cannot execute because node ${pyStr(classType)} does not exist.`, `Node ID '#${id}'`));
    }
    const targeted = partialTargets === undefined || partialTargets === null || (Array.isArray(partialTargets) && partialTargets.includes(id));
    if (nodeClass.outputNode && targeted) {
      outputs.push(id);
    }
  }
  if (outputs.length === 0) {
    return fail(promptError("prompt_no_outputs", "Prompt has no outputs", ""));
  }

  const validator = new Validator(prompt, registry);
  const goodOutputs: string[] = [];
  const failures: Array<[string, Reason[]]> = [];
  const nodeErrors: PyDict = new Map();
  for (const output of outputs) {
    let valid = false;
    let reasons: Reason[] = [];
    try {
      const result = validator.validateNode(output);
      valid = result.valid;
      reasons = result.reasons;
    } catch (error) {
      if (!(error instanceof PyError)) {
        throw error;
      }
      reasons = [reason("exception_during_validation", "Exception when validating node", error.pyMessage, [["exception_type", error.pyType], ["traceback", validationTraceback()]])];
      validator.validated.set(output, { valid: false, reasons });
    }
    if (valid) {
      goodOutputs.push(output);
      continue;
    }

    simConsole.error(`Failed to validate prompt for output ${output}:`);
    if (reasons.length > 0) {
      simConsole.error("* (prompt):");
      logReasons(reasons);
    }
    failures.push([output, reasons]);
    for (const [nodeId, result] of validator.validated) {
      if (result.valid || result.reasons.length === 0) {
        continue;
      }
      let entry = nodeErrors.get(nodeId);
      if (!isDict(entry)) {
        const classType = pyStr(nodeOf(prompt, nodeId).get("class_type") ?? null);
        entry = dict([
          ["errors", result.reasons],
          ["dependent_outputs", []],
          ["class_type", classType],
        ]);
        nodeErrors.set(nodeId, entry);
        simConsole.error(`* ${classType} ${nodeId}:`);
        logReasons(result.reasons);
      }
      const dependents = entry.get("dependent_outputs");
      if (Array.isArray(dependents)) {
        dependents.push(output);
      }
    }
    simConsole.error("Output will be ignored");
  }

  if (goodOutputs.length === 0) {
    // Only the output nodes' own reasons reach `details`; upstream failures leave it empty, as in ComfyUI.
    const lines = failures.flatMap(([, reasons]) => reasons.map((item) => `${pyStr(item.get("message") ?? null)}: ${pyStr(item.get("details") ?? null)}`));
    return { ok: false, error: promptError("prompt_outputs_failed_validation", "Prompt outputs failed validation", lines.join("\n")), goodOutputs: [], nodeErrors };
  }
  return { ok: true, error: null, goodOutputs, nodeErrors };
}
