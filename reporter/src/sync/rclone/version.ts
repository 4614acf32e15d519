import { execa } from "execa";

/**
 * The rclone version in use and the flags that depend on it. Debian 12 ships 1.60;
 * the bootstrap installs a current release, so the engine detects the version once and
 * picks flags from here instead of assuming either.
 */

export interface RcloneVersion {
  major: number;
  minor: number;
  patch: number;
  /** The version as `rclone version` prints it, e.g. `v1.60.1-DEV`. */
  text: string;
}

/** Version-dependent behaviour of `rclone bisync`. */
export interface BisyncCapabilities {
  /**
   * Whether bisync has `--resilient` and `--recover` (added in v1.66.0). Without them
   * an interrupted run leaves no prior listings, and only `--resync` recovers.
   */
  recover: boolean;
  /** Whether bisync has `--conflict-resolve` and friends (v1.66.0). */
  conflictFlags: boolean;
  /** Whether bisync can compare by size or checksum alone (`--compare`, v1.66.0). */
  compareFlag: boolean;
}

export interface RcloneCapabilities {
  version: RcloneVersion;
  bisync: BisyncCapabilities;
}

const VERSION_PATTERN = /^rclone (v(\d+)\.(\d+)(?:\.(\d+))?\S*)/m;

/** Parses the first line of `rclone version`; returns null when it is not rclone's. */
export function parseRcloneVersion(output: string): RcloneVersion | null {
  const match = VERSION_PATTERN.exec(output);
  if (match === null) {
    return null;
  }
  const [, text = "", major = "0", minor = "0", patch = "0"] = match;
  return { text, major: Number(major), minor: Number(minor), patch: Number(patch) };
}

/** Returns whether `version` is at least `major.minor`. */
export function isAtLeast(version: RcloneVersion, major: number, minor: number): boolean {
  return version.major > major || (version.major === major && version.minor >= minor);
}

/** Maps a version to what the engine may ask of it. */
export function capabilitiesFor(version: RcloneVersion): RcloneCapabilities {
  const modernBisync = isAtLeast(version, 1, 66);
  return {
    version,
    bisync: { recover: modernBisync, conflictFlags: modernBisync, compareFlag: modernBisync },
  };
}

/** Runs `rclone version` (which never touches the network without `--check`). */
export async function detectRclone(binary: string, env: Record<string, string>): Promise<RcloneCapabilities | null> {
  const result = await execa(binary, ["version"], { reject: false, env, extendEnv: true, timeout: 15_000 });
  if (result.exitCode !== 0) {
    return null;
  }
  const version = parseRcloneVersion(String(result.stdout));
  return version === null ? null : capabilitiesFor(version);
}
