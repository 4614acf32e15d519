/**
 * Removes the environment variables that the reporter's launcher set for the reporter's own
 * process, listed by name in COMFYCARRY_REPORTER_ONLY_ENV. The launchers tune glibc's malloc
 * for the reporter (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_, GLIBC_TUNABLES), and glibc reads those before
 * any of our code runs. Left in process.env they would pass to every child, ComfyUI and
 * PyTorch included, whose allocation patterns they were not chosen for.
 */
export function dropReporterOnlyEnv(env: NodeJS.ProcessEnv): string[] {
  const names = (env["COMFYCARRY_REPORTER_ONLY_ENV"] ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => /^[A-Z_][A-Z0-9_]*$/.test(name));
  for (const name of names) {
    delete env[name];
  }
  delete env["COMFYCARRY_REPORTER_ONLY_ENV"];
  return names;
}
