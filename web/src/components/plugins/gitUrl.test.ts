import { describe, expect, it } from "vitest";

import { gitUrlProblem } from "./gitUrl";

describe("gitUrlProblem", () => {
  it("accepts a repository on a host", () => {
    expect(gitUrlProblem("https://github.com/owner/pack.git")).toBeNull();
  });

  it.each([
    ["", "empty"],
    ["--upload-pack=touch /tmp/x", "dash"],
    ["ext::sh -c touch% /tmp/x", "spaces"],
    ["file:///etc", "https"],
    ["http://github.com/owner/pack", "https"],
    ["https://user:secret@github.com/owner/pack", "credentials"],
    ["https://github.com/owner/pack?ref=main", "query"],
    ["https://github.com", "path"],
    ["https://github.com/owner/pa%20ck", "segments"],
    ["https://github.com/owner/-pack", "folder"],
  ])("refuses %s as %s", (url, problem) => {
    expect(gitUrlProblem(url)).toBe(problem);
  });
});
