import packageJson from "../package.json" with { type: "json" };

/** Version of this reporter build, from reporter/package.json (bundled into dist by esbuild). */
export const REPORTER_VERSION: string = packageJson.version;
