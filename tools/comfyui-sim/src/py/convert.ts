/** Python's `int()`, `float()` and `bool()` on decoded JSON values, with Python's error messages. */
import { pyRepr } from "./format.js";
import { PyError, PyFloat, type PyValue } from "./value.js";

function typeName(value: PyValue): string {
  if (value === null) {
    return "NoneType";
  }
  if (typeof value === "boolean") {
    return "bool";
  }
  if (typeof value === "string") {
    return "str";
  }
  if (typeof value === "number" || typeof value === "bigint") {
    return "int";
  }
  if (value instanceof PyFloat) {
    return "float";
  }
  return Array.isArray(value) ? "list" : "dict";
}

/** Python's `int(value)`: truncates floats, parses decimal strings, raises like Python otherwise. */
export function toPyInt(value: PyValue): number | bigint {
  if (typeof value === "boolean") {
    return value ? 1 : 0;
  }
  if (typeof value === "number" || typeof value === "bigint") {
    return value;
  }
  if (value instanceof PyFloat) {
    if (Number.isNaN(value.value)) {
      throw new PyError("ValueError", "cannot convert float NaN to integer");
    }
    if (!Number.isFinite(value.value)) {
      throw new PyError("OverflowError", "cannot convert float infinity to integer");
    }
    const truncated = Math.trunc(value.value);
    return Number.isSafeInteger(truncated) ? truncated : BigInt(truncated);
  }
  if (typeof value === "string") {
    const trimmed = value.trim().replaceAll("_", "");
    if (/^[-+]?\d+$/.test(trimmed) && !value.includes("__")) {
      const parsed = BigInt(trimmed);
      return parsed >= BigInt(Number.MIN_SAFE_INTEGER) && parsed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(parsed) : parsed;
    }
    throw new PyError("ValueError", `invalid literal for int() with base 10: ${pyRepr(value)}`);
  }
  throw new PyError("TypeError", `int() argument must be a string, a bytes-like object or a real number, not '${typeName(value)}'`);
}

/** Python's `float(value)`. */
export function toPyFloat(value: PyValue): PyFloat {
  if (value instanceof PyFloat) {
    return value;
  }
  if (typeof value === "boolean") {
    return new PyFloat(value ? 1 : 0);
  }
  if (typeof value === "number" || typeof value === "bigint") {
    return new PyFloat(Number(value));
  }
  if (typeof value === "string") {
    const trimmed = value.trim().toLowerCase();
    const special: Record<string, number> = { nan: Number.NaN, "+nan": Number.NaN, "-nan": Number.NaN, inf: Infinity, "+inf": Infinity, "-inf": -Infinity, infinity: Infinity, "+infinity": Infinity, "-infinity": -Infinity };
    const specialValue = special[trimmed];
    if (specialValue !== undefined) {
      return new PyFloat(specialValue);
    }
    if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(trimmed)) {
      return new PyFloat(Number(trimmed));
    }
    throw new PyError("ValueError", `could not convert string to float: ${pyRepr(value)}`);
  }
  throw new PyError("TypeError", `float() argument must be a string or a real number, not '${typeName(value)}'`);
}

/** Python's `bool(value)`: truthiness. */
export function toPyBool(value: PyValue): boolean {
  if (value === null) {
    return false;
  }
  if (typeof value === "boolean") {
    return value;
  }
  if (typeof value === "string") {
    return value.length > 0;
  }
  if (typeof value === "number") {
    return value !== 0;
  }
  if (typeof value === "bigint") {
    return value !== 0n;
  }
  if (value instanceof PyFloat) {
    return value.value !== 0;
  }
  return Array.isArray(value) ? value.length > 0 : value.size > 0;
}

/** Compares two numbers exactly, using `bigint` when both are ints. Returns -1, 0 or 1. */
export function compareNumbers(left: number | bigint | PyFloat, right: number | bigint | PyFloat): number {
  const leftIsInt = !(left instanceof PyFloat);
  const rightIsInt = !(right instanceof PyFloat);
  if (leftIsInt && rightIsInt) {
    const a = BigInt(left);
    const b = BigInt(right);
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const a = left instanceof PyFloat ? left.value : Number(left);
  const b = right instanceof PyFloat ? right.value : Number(right);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Returns the Python type name, e.g. for `TypeError` texts. */
export { typeName as pyTypeName };
