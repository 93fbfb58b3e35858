// Crafted decoder events for model and rule tests (labelled crafted: the situations they build,
// e.g. 100 tree connects outstanding at once, no real stack makes on demand). Frames count from 1
// in the order events are made; `reset` starts again.
import * as C from "../../assembly/events";
import type { RawEvent, FieldValue } from "../../src/core/decoder/records";

export const ip = (a: number[]) => Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...a]);

export function craftedEvents() {
  let frame = 0;
  const ev = (kind: number, fromClient: boolean, f: Record<string, FieldValue>): RawEvent => {
    frame++;
    return { kind, kindName: "", frame, tsNs: 1_700_000_000_000_000_000n + BigInt(frame) * 1_000_000n, tsDigits: 6, stream: 0, fromClient, ipv6: false, f };
  };
  const smb2 = (fromClient: boolean, cmd: number, msgId: number, f: Record<string, FieldValue> = {}) =>
    ev(C.EV_SMB2, fromClient, { cmd, response: fromClient ? 0 : 1, msgId: BigInt(msgId), sessionId: 0n, ...f });
  return { ev, smb2, frames: () => frame, reset: () => { frame = 0; } };
}
