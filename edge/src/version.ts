/** @module The edge's release version, read from edge/package.json at build time. */
import edgePackage from "../package.json";

export const EDGE_VERSION: string = edgePackage.version;
