// `npm run demo`: install what is missing, build, then start the local stack and print
// the dashboard address and login. Ctrl-C stops everything it started.
import { ensureInstalled, execTypeScript, runNpmScript } from "../bootstrap-node.mjs";

ensureInstalled();
runNpmScript("build");
execTypeScript("tools/stack/src/demo.ts", process.argv.slice(2));
