/** A JSON parser with the results Python's `json.loads` gives: ordered dicts, int/float kept apart. */
import { PyError, PyFloat, type PyDict, type PyValue } from "./value.js";

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);
const NUMBER_PATTERN = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/;
const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/**
 * Parses JSON text. Like Python it accepts `NaN`, `Infinity` and `-Infinity`, keeps the first
 * position of a duplicated key with the last value, and rejects raw control characters in strings.
 * Failures throw a `PyError` of type `json.decoder.JSONDecodeError`.
 */
export function parsePyJson(text: string): PyValue {
  const parser = new Parser(text);
  parser.skipWhitespace();
  const value = parser.parseValue();
  parser.skipWhitespace();
  if (parser.position < text.length) {
    parser.fail("Extra data");
  }
  return value;
}

class Parser {
  position = 0;

  constructor(private readonly text: string) {}

  fail(reason: string): never {
    const before = this.text.slice(0, this.position);
    const line = before.split("\n").length;
    const column = this.position - before.lastIndexOf("\n");
    throw new PyError("json.decoder.JSONDecodeError", `${reason}: line ${line} column ${column} (char ${this.position})`);
  }

  skipWhitespace(): void {
    while (this.position < this.text.length && WHITESPACE.has(this.text.charAt(this.position))) {
      this.position += 1;
    }
  }

  parseValue(): PyValue {
    const char = this.text.charAt(this.position);
    if (char === "{") {
      return this.parseObject();
    }
    if (char === "[") {
      return this.parseArray();
    }
    if (char === '"') {
      return this.parseString();
    }
    for (const [word, value] of KEYWORDS) {
      if (this.text.startsWith(word, this.position)) {
        this.position += word.length;
        return value;
      }
    }
    return this.parseNumber();
  }

  private parseObject(): PyDict {
    const result: PyDict = new Map();
    this.position += 1;
    this.skipWhitespace();
    if (this.text.charAt(this.position) === "}") {
      this.position += 1;
      return result;
    }
    for (;;) {
      if (this.text.charAt(this.position) !== '"') {
        this.fail("Expecting property name enclosed in double quotes");
      }
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text.charAt(this.position) !== ":") {
        this.fail("Expecting ':' delimiter");
      }
      this.position += 1;
      this.skipWhitespace();
      result.set(key, this.parseValue());
      this.skipWhitespace();
      const next = this.text.charAt(this.position);
      this.position += 1;
      if (next === "}") {
        return result;
      }
      if (next !== ",") {
        this.position -= 1;
        this.fail("Expecting ',' delimiter");
      }
      this.skipWhitespace();
    }
  }

  private parseArray(): PyValue[] {
    const result: PyValue[] = [];
    this.position += 1;
    this.skipWhitespace();
    if (this.text.charAt(this.position) === "]") {
      this.position += 1;
      return result;
    }
    for (;;) {
      result.push(this.parseValue());
      this.skipWhitespace();
      const next = this.text.charAt(this.position);
      this.position += 1;
      if (next === "]") {
        return result;
      }
      if (next !== ",") {
        this.position -= 1;
        this.fail("Expecting ',' delimiter");
      }
      this.skipWhitespace();
    }
  }

  private parseString(): string {
    let result = "";
    this.position += 1;
    for (;;) {
      if (this.position >= this.text.length) {
        this.fail("Unterminated string starting at");
      }
      const char = this.text.charAt(this.position);
      if (char === '"') {
        this.position += 1;
        return result;
      }
      if (char.charCodeAt(0) < 0x20) {
        this.fail("Invalid control character at");
      }
      if (char !== "\\") {
        result += char;
        this.position += 1;
        continue;
      }
      const escape = this.text.charAt(this.position + 1);
      const simple = SIMPLE_ESCAPES[escape];
      if (simple !== undefined) {
        result += simple;
        this.position += 2;
        continue;
      }
      if (escape !== "u") {
        this.fail("Invalid \\escape");
      }
      const hex = this.text.slice(this.position + 2, this.position + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        this.fail("Invalid \\uXXXX escape");
      }
      result += String.fromCharCode(Number.parseInt(hex, 16));
      this.position += 6;
    }
  }

  private parseNumber(): PyValue {
    const match = NUMBER_PATTERN.exec(this.text.slice(this.position, this.position + 400));
    if (match === null) {
      this.fail("Expecting value");
    }
    const source = match[0];
    this.position += source.length;
    if (match[1] !== undefined || match[2] !== undefined) {
      return new PyFloat(Number(source));
    }
    const value = Number(source);
    return Number.isSafeInteger(value) ? value : BigInt(source);
  }
}

const KEYWORDS: Array<[string, PyValue]> = [
  ["null", null],
  ["true", true],
  ["false", false],
  ["NaN", new PyFloat(Number.NaN)],
  ["Infinity", new PyFloat(Number.POSITIVE_INFINITY)],
  ["-Infinity", new PyFloat(Number.NEGATIVE_INFINITY)],
];
