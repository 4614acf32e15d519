import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Writes `content` to `path` so that readers see either the old file or the whole new
 * one: a temp file in the same directory, fsync, rename over the target, then fsync of
 * the directory so the rename survives a power loss.
 */
export async function writeFileAtomic(path: string, content: string, mode: number): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);

  const file = await open(temp, "w", mode);
  try {
    await file.writeFile(content, "utf8");
    // The mode passed to open() is reduced by the umask; set it explicitly.
    await file.chmod(mode);
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(temp, { force: true });
    throw error;
  }
  await file.close();

  await rename(temp, path);
  const directory = await open(dir, "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
