import { readdir, readFile } from "node:fs/promises";

/** Pids of the living descendants of `root` (children, grandchildren…), read from /proc. */
export async function descendants(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) {
      continue;
    }
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // Fields after the command name (which may contain spaces): state, then the parent pid.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] !== undefined && fields[0] !== "Z") {
      parents.set(pid, Number(fields[1]));
    }
  }

  const found: number[] = [];
  const queue = [root];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const [pid, parent] of parents) {
      if (parent === next) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

/** Returns the command line of a process, for messages about leftovers. */
export async function commandLine(pid: number): Promise<string> {
  return (await readFile(`/proc/${String(pid)}/cmdline`, "utf8").catch(() => "")).replaceAll("\0", " ").trim();
}
