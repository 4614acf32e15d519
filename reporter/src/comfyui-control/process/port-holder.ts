/** Finding which process listens on a TCP port, from /proc (Linux only, like the containers we run in). */
import { readFile, readdir, readlink } from "node:fs/promises";
import { connect } from "node:net";

/** TCP state 0A is LISTEN in /proc/net/tcp. */
const LISTEN = "0A";

/** Returns whether something accepts TCP connections on 127.0.0.1:`port`. */
export function portAcceptsConnections(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.setTimeout(1_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Returns the pids with a listening socket on `port` (any address), found through socket inodes. */
export async function listeningPids(port: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await readFile(table, "utf8").catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1] ?? "";
      const state = fields[3];
      const inode = fields[9];
      if (state === LISTEN && inode !== undefined && Number.parseInt(local.split(":")[1] ?? "", 16) === port) {
        inodes.add(inode);
      }
    }
  }
  if (inodes.size === 0) {
    return [];
  }

  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    const fds = await readdir(`/proc/${entry}/fd`).catch(() => []);
    for (const fd of fds) {
      const target = await readlink(`/proc/${entry}/fd/${fd}`).catch(() => "");
      if (inodes.has(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? "")) {
        pids.push(Number(entry));
        break;
      }
    }
  }
  return pids;
}

/** Returns a process's argument vector and working folder, or null when it is gone or unreadable. */
export async function processInfo(pid: number): Promise<{ argv: string[]; cwd: string } | null> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8");
    const cwd = await readlink(`/proc/${pid}/cwd`);
    return { argv: cmdline.split("\0").filter((part) => part !== ""), cwd };
  } catch {
    return null;
  }
}
