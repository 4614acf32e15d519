/** Python-shaped JSON: parsing keeps order and int/float apart; dumping matches json.dumps. */
import { describe, expect, test } from "vitest";

import { floatRepr, pyJsonDumps, pyRepr } from "../../src/py/format.js";
import { parsePyJson } from "../../src/py/parse.js";
import { PyFloat } from "../../src/py/value.js";

describe("parsePyJson", () => {
  test("keeps numeric keys in document order", () => {
    const parsed = parsePyJson('{"9": 1, "4": 2, "10": 3}');
    expect(parsed instanceof Map ? [...parsed.keys()] : []).toEqual(["9", "4", "10"]);
  });

  test("keeps 8.0 a float", () => {
    expect(parsePyJson("8.0")).toEqual(new PyFloat(8));
  });

  test("keeps big ints exact", () => {
    expect(parsePyJson("18446744073709551615")).toBe(18446744073709551615n);
  });

  test("rejects trailing data like Python", () => {
    expect(() => parsePyJson("{} x")).toThrow(/Extra data/);
  });
});

describe("pyJsonDumps", () => {
  test.each([
    [new PyFloat(8), "8.0"],
    [new PyFloat(0.1), "0.1"],
    [new PyFloat(1e16), "1e+16"],
    [new PyFloat(0.00001), "1e-05"],
    [new PyFloat(123456789.5), "123456789.5"],
    ["é", '"\\u00e9"'],
    [{ a: [1, null, true] }, '{"a": [1, null, true]}'],
  ])("dumps %s as %s", (value, expected) => {
    expect(pyJsonDumps(value)).toBe(expected);
  });
});

describe("pyRepr", () => {
  test("quotes strings like Python", () => {
    expect(pyRepr(["a", "it's"])).toBe(`['a', "it's"]`);
  });

  test("prints None and booleans", () => {
    expect(pyRepr({ a: null, b: true })).toBe("{'a': None, 'b': True}");
  });

  test("float repr drops no digits", () => {
    expect(floatRepr(2.5e-7)).toBe("2.5e-07");
  });
});
