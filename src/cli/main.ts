// smbscope <capture…> [--events] [--json]
import { fileSource } from "./nodeSource";
import { nodeDecoder } from "./wasmNode";
import { decodeSource } from "../core/source";
import { eventView } from "../core/eventsView";
import { analyzeCapture } from "../core/analyze";
import type { Progress } from "../core/source";
import { renderText } from "./render";
import { writeJson, type Write } from "./jsonStream";

const USAGE = `usage: smbscope [--events] [--json] <capture.pcap|capture.pcapng> ...
  (default)  readable diagnosis of every SMB connection setup in the capture
  --json     the Report as JSON (one document per file, one per line for several files)
  --events   the decoder's events as JSON Lines (the view compared with tshark)
exit status: 0 no error finding, 1 an error finding, 2 unusable input`;

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
  for (const a of argv) {
    if (a === "--events") events = true;
    else if (a === "--json") json = true;
    else if (a === "-h" || a === "--help") { out(USAGE); return 0; }
    else if (a.startsWith("-")) { err(`smbscope: unknown option ${a}\n${USAGE}`); return 2; }
    else files.push(a);
  }
  if (files.length === 0) { err(USAGE); return 2; }
  let worst = 0;
  const tty = !!process.stderr.isTTY;
  const color = !!process.stdout.isTTY && !process.env.NO_COLOR;
  for (const path of files) {
    let src;
    try { src = await fileSource(path); } catch (e) {
      err(`smbscope: ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
      worst = 2; continue;
    }
    // A progress line for long files, on a terminal only
    let lastShown = 0;
    const started = Date.now();
    const onProgress = tty && src.size > 64 << 20 ? (p: Progress) => {
      const now = Date.now();
      if (now - lastShown < 200) return;
      lastShown = now;
      const mbs = p.bytes / 1e6 / Math.max(0.001, (now - started) / 1000);
      process.stderr.write(`\r${src.name}: ${((p.bytes / p.total) * 100).toFixed(0)}%  ${mbs.toFixed(0)} MB/s `);
    } : undefined;
    try {
      // A decoder in its initial state for every file: nothing one capture does reaches the next.
      const decoder = await nodeDecoder();
      if (events) {
        await decodeSource(decoder, src, (batch) => {
          // one write per batch: a write per line costs more than the decoding
          const lines: string[] = [];
          for (const ev of batch) {
            const v = eventView(ev, src.name);
            if (v) lines.push(JSON.stringify(v));
          }
          if (lines.length) out(lines.join("\n"));
        }, onProgress);
        continue;
      }
      const report = await analyzeCapture(decoder, src, { onProgress });
      if (onProgress) process.stderr.write("\r\x1b[K");
      if (json) {
        if (write) { await writeJson(report as unknown as Record<string, unknown>, write, drain); write("\n"); }
        else out(JSON.stringify(report));
      }
      else out(renderText(report, color) + (files.length > 1 ? "\n" : ""));
      const unusable = !!report.capture.error && report.capture.packets === 0;
      const code = unusable ? 2 : report.findings.some((f) => f.severity === "error") ? 1 : 0;
      worst = Math.max(worst, code);
      if (unusable && !json) err(`smbscope: ${report.capture.error}`);
    } catch (e) {
      err(`smbscope: ${src.name}: ${(e as Error).message}`);
      worst = 2;
    } finally { await src.close(); }
  }
  return worst;
}
