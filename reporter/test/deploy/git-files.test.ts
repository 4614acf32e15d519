import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { bareRepository } from "../../../tools/deploy-fixtures/src/index.js";
import { headCommit, originFromConfig, originUrl } from "../../src/deploy/git-files.js";

function git(args: string[], cwd: string): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" } }).trim();
}

describe("checkout read from files", () => {
  let root = "";
  let url = "";
  let clone = "";

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "git-files-"));
    url = bareRepository(root, "pack", [{ files: { "a.txt": "one" } }, { files: { "a.txt": "two" } }]);
    clone = join(root, "clone");
    git(["clone", "--quiet", "--", url, clone], root);
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it("reads the branch head of a fresh clone", async () => {
    expect(await headCommit(clone)).toBe(git(["rev-parse", "HEAD"], clone));
  });

  it("reads a head kept in packed-refs", async () => {
    git(["pack-refs", "--all"], clone);

    expect(await headCommit(clone)).toBe(git(["rev-parse", "HEAD"], clone));
  });

  it("reads a detached head", async () => {
    const first = git(["rev-parse", "HEAD~1"], clone);
    git(["checkout", "--quiet", "--detach", first], clone);

    expect(await headCommit(clone)).toBe(first);
  });

  it("reads the origin URL", async () => {
    expect(await originUrl(clone)).toBe(url);
  });

  it("returns null for a folder inside a checkout", async () => {
    const inner = join(clone, "inner");
    mkdirSync(inner);

    expect(await headCommit(inner)).toBeNull();
  });
});

describe("origin in a git config", () => {
  it("takes the url of the origin section", () => {
    const text = '[core]\n\tbare = false\n[remote "upstream"]\n\turl = https://example.invalid/a\n[remote "origin"]\n\turl = https://example.invalid/b\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n';

    expect(originFromConfig(text)).toBe("https://example.invalid/b");
  });

  it("returns null without an origin", () => {
    expect(originFromConfig("[core]\n\tbare = false\n")).toBeNull();
  });

  it("leaves quoted values to git", () => {
    expect(originFromConfig('[remote "origin"]\n\turl = "https://example.invalid/b"\n')).toBeUndefined();
  });

  it("leaves includes to git", () => {
    expect(originFromConfig('[include]\n\tpath = other\n[remote "origin"]\n\turl = https://example.invalid/b\n')).toBeUndefined();
  });

  it("leaves the dotted section form to git", () => {
    expect(originFromConfig("[remote.origin]\n\turl = https://example.invalid/b\n")).toBeUndefined();
  });

  it("keeps subsection names case-sensitive", () => {
    expect(originFromConfig('[remote "Origin"]\n\turl = https://example.invalid/b\n')).toBeNull();
  });
});
