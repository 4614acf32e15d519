import { LocalPathError, localPathTextProblem, resolveLocalPath } from "../rules/local-path.js";
import { ruleErrorFromZod, ruleFieldError } from "../rules/errors.js";
import { ruleInputSchema } from "../rules/schema.js";
import type { SyncRule } from "../rules/schema.js";
import type { RemoteFeatures, RemoteInfo } from "../remotes/remotes.js";

/** What rule validation needs from the outside world. */
export interface RuleValidationDeps {
  workspaceDir: string;
  listRemotes: () => Promise<RemoteInfo[]>;
  remoteFeatures: (remote: string) => Promise<RemoteFeatures | null>;
}

/** The user fields of a valid rule, plus its local path resolved inside the workspace. */
export interface ValidatedRule {
  fields: Omit<SyncRule, "id" | "created_at" | "updated_at">;
  localPath: string;
}

/**
 * Validates a rule on create, edit and import: the schema, the local path, that the
 * remote exists, and that a two-way rule's remote keeps modification times. Every
 * failure is an `invalid_arguments` error naming the field.
 */
export async function validateRule(raw: unknown, deps: RuleValidationDeps): Promise<ValidatedRule> {
  // Checked before the schema, so an empty path gets its own reason and not the schema's "invalid".
  const rawLocalPath = typeof raw === "object" && raw !== null && "local_path" in raw ? raw.local_path : undefined;
  if (typeof rawLocalPath === "string") {
    rejectLocalPathText(rawLocalPath);
  }

  const parsed = ruleInputSchema.safeParse(raw);
  if (!parsed.success) {
    throw ruleErrorFromZod(parsed.error);
  }
  const fields = parsed.data;

  let localPath: string;
  try {
    localPath = await resolveLocalPath(deps.workspaceDir, fields.local_path);
  } catch (error) {
    if (error instanceof LocalPathError) {
      throw ruleFieldError("local_path", error.message, "outside_workspace");
    }
    throw error;
  }

  const remotes = await deps.listRemotes();
  const remote = remotes.find((candidate) => candidate.name === fields.remote);
  if (remote === undefined) {
    const known = remotes.map((candidate) => candidate.name).join(", ") || "none";
    throw ruleFieldError("remote", `remote "${fields.remote}" is not in rclone.conf (known remotes: ${known}); add it or pick another`, "unknown_remote");
  }

  if (fields.direction === "two_way") {
    const features = await deps.remoteFeatures(fields.remote);
    if (features === null) {
      throw ruleFieldError(
        "direction",
        `could not read the features of remote "${fields.remote}" to check two-way support; test the remote, then try again`,
        "remote_unreachable",
      );
    }
    if (!features.keepsModTime) {
      throw ruleFieldError(
        "direction",
        `remote "${fields.remote}" (${remote.type}) does not keep modification times, which two-way sync with rclone bisync needs; use a push or pull rule`,
        "modtime_unsupported",
      );
    }
  }

  return { fields, localPath };
}

function rejectLocalPathText(localPath: string): void {
  const problem = localPathTextProblem(localPath);
  if (problem === "empty") {
    throw ruleFieldError("local_path", "local_path is empty; name a folder relative to the workspace, such as ComfyUI/output", "empty");
  }
  if (problem === "parent_segment") {
    throw ruleFieldError("local_path", `local_path "${localPath}" contains a ".." segment; name the folder inside the workspace without "..", such as ComfyUI/output`, "parent_segment");
  }
}
