/** Python-shaped JSON values, so bodies round-trip the way ComfyUI's `json` module handles them. */

/**
 * A Python float. JavaScript numbers cannot tell `8` from `8.0`, but ComfyUI echoes the
 * difference (`"number": 7.0`, coerced `cfg` values), so floats carry this wrapper.
 */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A Python dict. A `Map` keeps insertion order for numeric keys such as node ids. */
export type PyDict = Map<string, PyValue>;

/** Python ints are JavaScript integers, or `bigint` past 2^53 (KSampler seeds go to 2^64 - 1). */
export type PyValue = null | boolean | string | number | bigint | PyFloat | PyValue[] | PyDict;

/** An exception as Python would raise it: the qualified type name and `str(exception)`. */
export class PyError extends Error {
  constructor(
    readonly pyType: string,
    readonly pyMessage: string,
  ) {
    super(`${pyType}: ${pyMessage}`);
    this.name = "PyError";
  }
}

export function isDict(value: unknown): value is PyDict {
  return value instanceof Map;
}

export function isPyInt(value: unknown): value is number | bigint {
  return (typeof value === "number" && Number.isInteger(value)) || typeof value === "bigint";
}

/** Returns the numeric value of a Python int or float, or null for anything else. */
export function numericValue(value: PyValue): number | null {
  if (typeof value === "number") {
    return value;
  }
  if (typeof value === "bigint") {
    return Number(value);
  }
  if (value instanceof PyFloat) {
    return value.value;
  }
  if (typeof value === "boolean") {
    return value ? 1 : 0;
  }
  return null;
}

/** Builds a dict from entries, keeping their order. */
export function dict(entries: Array<[string, PyValue]>): PyDict {
  return new Map(entries);
}

/** Returns a deep copy, so a stored prompt is not changed by later edits. */
export function deepCopy(value: PyValue): PyValue {
  if (Array.isArray(value)) {
    return value.map(deepCopy);
  }
  if (value instanceof Map) {
    return new Map([...value].map(([key, item]) => [key, deepCopy(item)]));
  }
  return value;
}

/** Compares two values the way Python's `==` compares decoded JSON. */
export function pyEquals(left: PyValue, right: PyValue): boolean {
  const leftNumber = typeof left === "boolean" || left === null ? null : numericValue(left);
  const rightNumber = typeof right === "boolean" || right === null ? null : numericValue(right);
  if (leftNumber !== null && rightNumber !== null) {
    if (typeof left === "bigint" || typeof right === "bigint") {
      return String(left instanceof PyFloat ? left.value : left) === String(right instanceof PyFloat ? right.value : right);
    }
    return leftNumber === rightNumber;
  }
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, index) => pyEquals(item, right[index] ?? null));
  }
  if (left instanceof Map && right instanceof Map) {
    if (left.size !== right.size) {
      return false;
    }
    for (const [key, item] of left) {
      const other = right.get(key);
      if (other === undefined || !pyEquals(item, other)) {
        return false;
      }
    }
    return true;
  }
  return left === right;
}
