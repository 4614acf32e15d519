// An esbuild plugin that lets the bundle leave out the shared package's schemas the reporter
// never references.
//
// esbuild keeps every top-level statement whose initializer may have side effects, and it
// cannot tell that a call such as `z.object({ ... })` has none. So the bundle used to build
// every zod schema of shared/src, including the ones only the edge and the dashboard use.
// This plugin wraps each top-level `const` initializer in shared/src that contains calls in
// an immediately invoked arrow function marked `/* @__PURE__ */`. esbuild then drops the
// statement when nothing in the bundle reads the constant, and evaluates it as before when
// something does.
//
// The shared package must keep its top-level constants free of side effects that other code
// relies on, such as registering a schema in a registry that something reads.
import { readFile } from "node:fs/promises";

import ts from "typescript";

/** Initializers that evaluate code and may build objects, so dropping them saves work. */
function evaluatesCode(initializer) {
  return (
    ts.isCallExpression(initializer) ||
    ts.isNewExpression(initializer) ||
    ts.isPropertyAccessExpression(initializer) ||
    ts.isObjectLiteralExpression(initializer) ||
    ts.isArrayLiteralExpression(initializer) ||
    ts.isAsExpression(initializer) ||
    ts.isSatisfiesExpression(initializer)
  );
}

/** Returns `source` with each qualifying top-level `const` initializer wrapped in a pure call. */
export function markConstantsPure(fileName, source) {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const ranges = [];
  for (const statement of file.statements) {
    const isConst = ts.isVariableStatement(statement) && (statement.declarationList.flags & ts.NodeFlags.Const) !== 0;
    if (!isConst) {
      continue;
    }
    for (const declaration of statement.declarationList.declarations) {
      if (declaration.initializer !== undefined && evaluatesCode(declaration.initializer)) {
        ranges.push([declaration.initializer.getStart(file), declaration.initializer.getEnd()]);
      }
    }
  }

  // Splice from the end, so earlier offsets stay valid.
  let output = source;
  for (const [start, end] of ranges.reverse()) {
    output = `${output.slice(0, start)}/* @__PURE__ */ (() => (${output.slice(start, end)}))()${output.slice(end)}`;
  }
  return output;
}

export const pureSharedConstants = {
  name: "pure-shared-constants",
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/]shared[\\/]src[\\/][^\\/]+\.ts$/ }, async (args) => ({
      contents: markConstantsPure(args.path, await readFile(args.path, "utf8")),
      loader: "ts",
    }));
  },
};
