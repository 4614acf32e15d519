import { accessTicketResponseSchema } from "@comfycarry/shared";

import { requestJson } from "../../api/client";
import type { ApiResult } from "../../api/client";

/**
 * Returns the address that logs the browser in on the instance's access proxy and then shows
 * `linkUrl`: the link's origin plus the login path of a fresh ticket from the edge. The ticket
 * lasts one minute and opens one session, so it is fetched on every click.
 */
export async function proxyLoginUrl(instanceId: string, linkUrl: string): Promise<ApiResult<string>> {
  const link = new URL(linkUrl);
  const next = `${link.pathname}${link.search}` || "/";
  const issued = await requestJson("POST", `/api/instances/${encodeURIComponent(instanceId)}/access-ticket`, accessTicketResponseSchema, { body: { next } });
  if (!issued.ok) {
    return issued;
  }
  return { ok: true, value: `${link.origin}${issued.value.login_path}` };
}

/**
 * Opens `linkUrl` behind the access proxy in a new tab. The tab opens before the ticket request,
 * because browsers block pop-ups opened after an `await`; it is closed again on failure.
 */
export async function openThroughProxy(instanceId: string, linkUrl: string): Promise<ApiResult<string>> {
  const tab = window.open("about:blank", "_blank");
  const result = await proxyLoginUrl(instanceId, linkUrl);
  if (!result.ok) {
    tab?.close();
    return result;
  }
  if (tab === null) {
    window.location.assign(result.value);
  } else {
    // The new tab must not reach back into the dashboard, as with rel="noopener".
    tab.opener = null;
    tab.location.href = result.value;
  }
  return result;
}
