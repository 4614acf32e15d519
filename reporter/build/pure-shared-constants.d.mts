import type { Plugin } from "esbuild";

export function markConstantsPure(fileName: string, source: string): string;
export const pureSharedConstants: Plugin;
