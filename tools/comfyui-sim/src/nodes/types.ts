/** Node class definitions: their `/object_info` description and their simulated behaviour. */
import type { PyDict, PyValue } from "../py/value.js";

/** An input spec as on the wire: `[type_or_options, {options}]`. */
export type InputSpec = [PyValue, PyDict];

/** Ordered inputs of one group (`required`, `optional` or `hidden`). */
export type InputGroup = Map<string, InputSpec>;

/** The value a simulated node passes along a link; `repr` is what `str()` of the object prints. */
export interface SimObject {
  kind: string;
  repr: string;
  width?: number;
  height?: number;
  batch?: number;
  seed?: string;
  label?: string;
}

/** A node's result: one value per output slot, and UI output for history. */
export interface NodeResult {
  outputs: SimObject[];
  ui: PyDict | null;
}

/** Sets the simulated behaviour of a class; core classes and declared custom classes both use it. */
export type NodeBehaviour =
  | { kind: "loader" }
  | { kind: "passthrough" }
  | { kind: "latent" }
  | { kind: "sampler" }
  | { kind: "decode" }
  | { kind: "save"; folderType: "output" | "temp" }
  | { kind: "load-image" }
  | { kind: "custom"; seconds: number | null; ui: "images" | "text" | null };

/** One node class. `inputs` is a function because combo lists follow the current folder contents. */
export interface NodeClass {
  name: string;
  displayName: string;
  description: string;
  category: string;
  pythonModule: string;
  inputs: () => { required: InputGroup; optional: InputGroup; hidden: InputGroup };
  outputTypes: string[];
  outputNames: string[];
  outputIsList: boolean[];
  outputTooltips: string[] | null;
  outputNode: boolean;
  deprecated: boolean;
  experimental: boolean;
  /** Names of inputs a custom `VALIDATE_INPUTS` checks instead of the combo list (LoadImage's `image`). */
  customValidation: (inputName: string, value: PyValue) => string | true | null;
  behaviour: NodeBehaviour;
}
