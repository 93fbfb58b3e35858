// Field and record tables derived from the contract module itself (assembly/events.ts), so the
// TypeScript side cannot drift from what the wasm writes: every `F_NAME` constant becomes the
// property `name` (camelCase) of a decoded event.
import * as C from "../../../assembly/events";

function camel(s: string): string {
  return s.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function table(prefix: string): Map<number, string> {
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(C)) {
    if (k.startsWith(prefix) && typeof v === "number") {
      if (m.has(v)) throw new Error(`events.ts: ${k} reuses the number ${v} of ${prefix}${m.get(v)}`);
      m.set(v, camel(k.slice(prefix.length)));
    }
  }
  return m;
}

/** F_* id → property name (F_SRC_IP → "srcIp"). */
export const FIELD_NAMES = table("F_");
/** EV_* kind → name (EV_SMB2 → "smb2"). */
export const KIND_NAMES = table("EV_");

/** The number the wasm's layoutCheck() must return (same formula as assembly/index.ts). */
export function expectedLayoutCheck(): number {
  return (C.EVENTS_VERSION * 1000003 + C.REC_HEADER_SIZE * 1009 + C.MAX_FIELD_ID * 31 + C.EV_FLOW) >>> 0;
}
