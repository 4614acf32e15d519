/** Python's text forms of values: `json.dumps` output, `repr()` and `str()`. */
import { PyFloat, type PyValue } from "./value.js";

/** Anything the server writes out: Python values, plus plain objects built by route handlers. */
export type Dumpable =
  | PyValue
  | undefined
  | readonly Dumpable[]
  | { readonly [key: string]: Dumpable }
  | ReadonlyMap<string, Dumpable>;

/** Formats a float as Python's `repr(float)`: shortest round-trip digits, exponent past 1e16 or below 1e-4. */
export function floatRepr(value: number): string {
  if (Number.isNaN(value)) {
    return "nan";
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? "inf" : "-inf";
  }
  if (value === 0) {
    return Object.is(value, -0) ? "-0.0" : "0.0";
  }
  const [mantissa = "", exponentText = "0"] = value.toExponential().split("e");
  const exponent = Number(exponentText);
  const sign = mantissa.startsWith("-") ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");

  if (exponent < -4 || exponent >= 16) {
    const head = digits.length > 1 ? `${digits.charAt(0)}.${digits.slice(1)}` : digits;
    const exponentSign = exponent < 0 ? "-" : "+";
    return `${sign}${head}e${exponentSign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  if (exponent < 0) {
    return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  }
  if (digits.length <= exponent + 1) {
    return `${sign}${digits}${"0".repeat(exponent + 1 - digits.length)}.0`;
  }
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

function numberText(value: number, json: boolean): string {
  if (Number.isInteger(value)) {
    return String(value);
  }
  return floatText(value, json);
}

function floatText(value: number, json: boolean): string {
  if (json && Number.isNaN(value)) {
    return "NaN";
  }
  if (json && !Number.isFinite(value)) {
    return value > 0 ? "Infinity" : "-Infinity";
  }
  return floatRepr(value);
}

/** Escapes a string as `json.dumps` does with its default `ensure_ascii=True`. */
export function jsonString(text: string): string {
  let result = '"';
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    const char = text.charAt(index);
    if (char === '"') {
      result += '\\"';
    } else if (char === "\\") {
      result += "\\\\";
    } else if (char === "\n") {
      result += "\\n";
    } else if (char === "\r") {
      result += "\\r";
    } else if (char === "\t") {
      result += "\\t";
    } else if (char === "\b") {
      result += "\\b";
    } else if (char === "\f") {
      result += "\\f";
    } else if (code < 0x20 || code > 0x7e) {
      result += `\\u${code.toString(16).padStart(4, "0")}`;
    } else {
      result += char;
    }
  }
  return `${result}"`;
}

function entriesOf(value: ReadonlyMap<string, Dumpable> | { readonly [key: string]: Dumpable }): Array<[string, Dumpable]> {
  if (value instanceof Map) {
    return [...(value as ReadonlyMap<string, Dumpable>)];
  }
  return Object.entries(value);
}

/** Serialises like Python's `json.dumps(value)`: `", "` and `": "` separators, ASCII escapes. */
export function pyJsonDumps(value: Dumpable): string {
  if (value === null || value === undefined) {
    return "null";
  }
  if (typeof value === "boolean") {
    return value ? "true" : "false";
  }
  if (typeof value === "string") {
    return jsonString(value);
  }
  if (typeof value === "number") {
    return numberText(value, true);
  }
  if (typeof value === "bigint") {
    return value.toString();
  }
  if (value instanceof PyFloat) {
    return floatText(value.value, true);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item: Dumpable) => pyJsonDumps(item)).join(", ")}]`;
  }
  const parts = entriesOf(value as ReadonlyMap<string, Dumpable>)
    .filter(([, item]) => item !== undefined)
    .map(([key, item]) => `${jsonString(key)}: ${pyJsonDumps(item)}`);
  return `{${parts.join(", ")}}`;
}

/** Formats a string as Python's `repr(str)`: single quotes unless the text holds one and no double quote. */
export function stringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let result = quote;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === quote || char === "\\") {
      result += `\\${char}`;
    } else if (char === "\n") {
      result += "\\n";
    } else if (char === "\r") {
      result += "\\r";
    } else if (char === "\t") {
      result += "\\t";
    } else if (code < 0x20 || code === 0x7f) {
      result += `\\x${code.toString(16).padStart(2, "0")}`;
    } else {
      result += char;
    }
  }
  return result + quote;
}

/** Formats a value as Python's `repr()`. */
export function pyRepr(value: Dumpable): string {
  if (value === null || value === undefined) {
    return "None";
  }
  if (typeof value === "boolean") {
    return value ? "True" : "False";
  }
  if (typeof value === "string") {
    return stringRepr(value);
  }
  if (typeof value === "number") {
    return numberText(value, false);
  }
  if (typeof value === "bigint") {
    return value.toString();
  }
  if (value instanceof PyFloat) {
    return floatRepr(value.value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item: Dumpable) => pyRepr(item)).join(", ")}]`;
  }
  const parts = entriesOf(value as ReadonlyMap<string, Dumpable>)
    .filter(([, item]) => item !== undefined)
    .map(([key, item]) => `${stringRepr(key)}: ${pyRepr(item)}`);
  return `{${parts.join(", ")}}`;
}

/** Formats a value as Python's `str()`: strings as they are, everything else as `repr()`. */
export function pyStr(value: Dumpable): string {
  return typeof value === "string" ? value : pyRepr(value);
}
