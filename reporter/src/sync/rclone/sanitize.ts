/**
 * Removes credentials from rclone output before it reaches a log line, a job record or
 * the dashboard. rclone prints remote URLs in errors and object names, and some of them
 * carry `user:password@`, signed query strings or OAuth tokens.
 */

const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^/\s:@"]+):([^/\s@"]+)@/gi;
const SECRET_QUERY = /([?&](?:access_token|token|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|password|pass|key|code)=)[^&\s"']+/gi;
const SECRET_JSON = /("(?:access_token|refresh_token|id_token|client_secret|password|pass)"\s*:\s*")[^"]*"/gi;
const BEARER = /(bearer\s+)[a-z0-9._~+/=-]+/gi;

/** Returns `text` with passwords, tokens and signatures replaced by `***`. */
export function sanitizeRcloneText(text: string): string {
  return text
    .replace(URL_USERINFO, "$1$2:***@")
    .replace(SECRET_QUERY, "$1***")
    .replace(SECRET_JSON, '$1***"')
    .replace(BEARER, "$1***");
}
