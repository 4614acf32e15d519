import { describe, expect, it } from "vitest";

import { markConstantsPure as mark } from "../../build/pure-shared-constants.mjs";

const PURE_OPEN = "/* @__PURE__ */ (() => (";

describe("markConstantsPure", () => {
  it("wraps a call initializer", () => {
    expect(mark("a.ts", "export const a = z.string().min(1);")).toBe(`export const a = ${PURE_OPEN}z.string().min(1)))();`);
  });

  it("wraps object and array literals", () => {
    const output = mark("a.ts", "const b = { x: f() };\nconst c = [g()];");
    expect(output).toBe(`const b = ${PURE_OPEN}{ x: f() }))();\nconst c = ${PURE_OPEN}[g()]))();`);
  });

  it("wraps each declaration of a statement", () => {
    expect(mark("a.ts", "const d = f(), e = g();")).toBe(`const d = ${PURE_OPEN}f()))(), e = ${PURE_OPEN}g()))();`);
  });

  it("keeps a type annotation outside the wrapper", () => {
    expect(mark("a.ts", "export const f: Schema = z.number();")).toBe(`export const f: Schema = ${PURE_OPEN}z.number()))();`);
  });

  it("leaves literals and functions alone", () => {
    const source = 'export const g = 1;\nexport const h = "text";\nexport const i = () => f();\nexport function j() { return f(); }';
    expect(mark("a.ts", source)).toBe(source);
  });

  it("leaves let and var declarations alone", () => {
    const source = "let k = f();\nvar l = g();";
    expect(mark("a.ts", source)).toBe(source);
  });

  it("leaves statements inside functions alone", () => {
    const source = "export function m() {\n  const n = f();\n  return n;\n}";
    expect(mark("a.ts", source)).toBe(source);
  });
});
