import { ComfyCarryError } from "@comfycarry/shared";
import type { z } from "zod";

/** Raises `invalid_arguments` naming the rule field at fault, with the fix in the message. */
export function ruleFieldError(field: string, message: string, reason = "invalid"): ComfyCarryError {
  return new ComfyCarryError("invalid_arguments", `${field}: ${message}`, { field, reason });
}

/** Turns the first zod issue into a rule field error; every issue is listed in the message. */
export function ruleErrorFromZod(error: z.ZodError): ComfyCarryError {
  const first = error.issues[0];
  const field = first === undefined || first.path.length === 0 ? "rule" : first.path.map(String).join(".");
  const all = error.issues.map((issue) => `${issue.path.length === 0 ? "rule" : issue.path.map(String).join(".")}: ${issue.message}`);
  return new ComfyCarryError("invalid_arguments", all.join("; "), { field, reason: "invalid" });
}
