// "One side hung up": the connection failed because a side ended it after a response without the
// next step (model/summarize.ts abandonment). The words every ending finding uses for it.
import { abandonment, finalNegotiate, type Abandonment } from "../../model/summarize";
import { has, F, type ConnView } from "../context";

export interface HangUp extends Abandonment { end: NonNullable<Abandonment["end"]> }

/** The hang-up that failed this connection, or null (it failed otherwise, or did not fail). */
export function hangUpOf(c: ConnView): HangUp | null {
  if (c.s.outcome !== "failed") return null;
  if (c.hangUp !== undefined) return c.hangUp; // made once: five rules ask
  // abandonment's own first test, from the facts: tree connects or encryption went past the
  // hang-ups it tells (no need to read the model of the thousands that failed at TREE_CONNECT)
  if (has(c, F.TREES | F.ENCRYPTED)) return (c.hangUp = null);
  const ab = abandonment(c.m);
  return (c.hangUp = ab?.end ? (ab as HangUp) : null);
}

const HOW = { fin: "closed the connection (FIN", rst: "reset the connection (RST", logoff: "logged off (LOGOFF" } as const;
const RESPONSE = { negotiate: "NEGOTIATE response", session_setup: "SESSION_SETUP response", tcp: "TCP handshake", tree_connect: "TREE_CONNECT response" } as const;

/** "after the SESSION_SETUP response in frame 13, the client closed the connection (FIN, frame 14) without sending TREE_CONNECT" */
export function hangUpText(h: HangUp): string {
  const more = h.expected === "the next SESSION_SETUP leg" ? "SESSION_SETUP response (STATUS_MORE_PROCESSING_REQUIRED, asking for the next leg)" : RESPONSE[h.phase];
  return `after the ${more} in frame ${h.after.frame}, the ${h.end.by} ${HOW[h.end.how]}, frame ${h.end.frame}) without sending ${h.expected}`;
}

/** Frames that show a hang-up: the response it followed and the end. */
export const hangUpFrames = (h: HangUp) => [h.after.frame, h.end.frame];

/** the NEGOTIATE a hang-up followed (re-exported: the ending findings read it) */
export { finalNegotiate };
