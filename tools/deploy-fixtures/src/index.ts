/** @module Test-only builders for deploy tests: tiny wheels and local bare git repositories. */
export * from "./wheel.js";
export * from "./git-repos.js";
export * from "./standard-set.js";
