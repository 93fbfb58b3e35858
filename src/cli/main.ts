// smbscope [--events] [--json] [--] <capture…|->
import { fileSource } from "./nodeSource";
import { nodeDecoder } from "./wasmNode";
import { decodeSource } from "../core/source";
import { eventView } from "../core/eventsView";
import { analyzeCapture } from "../core/analyze";
import type { Progress } from "../core/source";
import { renderText } from "./render";
import { writeJson, type Write } from "./jsonStream";
import { terminalSafe, jsonTerminalSafe } from "./terminalText";
import { EV_ERROR, EV_SUMMARY } from "../../assembly/events";

const USAGE = `usage: smbscope [--events] [--json] [--] <capture.pcap|capture.pcapng|-> ...
  (default)  readable diagnosis of every SMB connection setup in the capture
  --json     the Report as JSON (one document per file, one per line for several files)
  --events   the decoder's events as JSON Lines (the view compared with tshark)
  -          read the capture from standard input (tcpdump -w - … | smbscope -)
  --         the arguments after it are file names, even if they start with -
a capture may also be a FIFO or a device: it is read to its end
exit status: 0 no error finding, 1 an error finding, 2 unusable input (any file)`;

/**
 * `out` prints a line; `write`, when given, prints text as it is (the Report is streamed through
 * it in pieces, see jsonStream.ts) and returns false when the output is full, `drain` then
 * resolving once it can take more.
 */
export async function main(
  argv: string[], out: (s: string) => void, err: (s: string) => void, write?: Write, drain?: () => Promise<void>,
): Promise<number> {
  const files: string[] = [];
  let events = false;
  let json = false;
  let optionsEnded = false;
  // what the CLI prints that is not its own (file names, the capture's strings) is escaped
  const say = (s: string) => err(terminalSafe(s));
  for (const a of argv) {
    if (optionsEnded || a === "-" || !a.startsWith("-")) files.push(a);
    else if (a === "--") optionsEnded = true;
    else if (a === "--events") events = true;
    else if (a === "--json") json = true;
    else if (a === "-h" || a === "--help") { out(USAGE); return 0; }
    else { say(`smbscope: unknown option ${a}`); err(USAGE); return 2; }
  }
  if (files.length === 0) { err(USAGE); return 2; }
  let worst = 0;
  const tty = !!process.stderr.isTTY;
  const color = !!process.stdout.isTTY && !process.env.NO_COLOR;
  for (const path of files) {
    let src;
    try { src = await fileSource(path, (msg) => say(`smbscope: ${msg}`)); } catch (e) {
      say(`smbscope: ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
      worst = 2; continue;
    }
    // A progress line for long files and streams (no percentage: no size), on a terminal only
    let lastShown = 0;
    const started = Date.now();
    const name = terminalSafe(src.name);
    const onProgress = tty && (src.size > 64 << 20 || src.size < 0) ? (p: Progress) => {
      const now = Date.now();
      if (now - lastShown < 200) return;
      lastShown = now;
      const mbs = p.bytes / 1e6 / Math.max(0.001, (now - started) / 1000);
      const done = p.total > 0 ? `${((p.bytes / p.total) * 100).toFixed(0)}%` : `${(p.bytes / 1e6).toFixed(0)} MB`;
      process.stderr.write(`\r${name}: ${done}  ${mbs.toFixed(0)} MB/s `);
    } : undefined;
    try {
      // A decoder in its initial state for every file: nothing one capture does reaches the next.
      const decoder = await nodeDecoder();
      if (events) {
        let fatal = false, packets = 0;
        await decodeSource(decoder, src, (batch) => {
          // one write per batch: a write per line costs more than the decoding
          const lines: string[] = [];
          for (const ev of batch) {
            if (ev.kind === EV_ERROR) fatal = true;
            else if (ev.kind === EV_SUMMARY) packets = Number(ev.f.packets);
            const v = eventView(ev, src.name);
            if (v) lines.push(JSON.stringify(v));
          }
          if (lines.length) out(jsonTerminalSafe(lines.join("\n")));
        }, onProgress);
        if (onProgress) process.stderr.write("\r\x1b[K");
        if (fatal && packets === 0) worst = 2; // the error itself is one of the events printed
        continue;
      }
      const report = await analyzeCapture(decoder, src, { onProgress });
      if (onProgress) process.stderr.write("\r\x1b[K");
      const unusable = !!report.capture.error && report.capture.packets === 0;
      if (json) {
        if (write) { await writeJson(report as unknown as Record<string, unknown>, (s) => write(jsonTerminalSafe(s)), drain); write("\n"); }
        else out(jsonTerminalSafe(JSON.stringify(report)));
      }
      else if (unusable) say(`smbscope: ${report.capture.error}`); // one error, nothing to report
      else out(renderText(report, color) + (files.length > 1 ? "\n" : ""));
      const code = unusable ? 2 : report.findings.some((f) => f.severity === "error") ? 1 : 0;
      worst = Math.max(worst, code);
    } catch (e) {
      say(`smbscope: ${src.name}: ${(e as Error).message}`);
      worst = 2;
    } finally { await src.close(); }
  }
  return worst;
}
