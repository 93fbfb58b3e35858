// smbscope [--events] [--json] [--password-file FILE] [--session-key SESSIONID:HEX]… [--keytab FILE]… [--] <capture…|->
import { fileSource } from "./nodeSource";
import { nodeDecoder } from "./wasmNode";
import { decodeSource } from "../core/source";
import { eventView } from "../core/eventsView";
import { analyzeCapture } from "../core/analyze";
import { collectAndRelease } from "../core/collect";
import { heapGuard } from "./memoryGuard";
import { threadDecoding, useDecodeThread } from "./decodeThread";
import type { Progress } from "../core/source";
import { renderText, renderTextLines } from "./render";
import { TextRowSpool } from "./textRows";
import { writeJson, type Write, type WriteBytes } from "./jsonStream";
import { ConnectionSpool } from "./connectionSpool";
import { ChunkFile } from "./chunkFile";
import { spillChunksTo } from "../core/model/column";
import { terminalSafe, stringifiedTerminalSafe, utf8JsonTerminalSafe } from "./terminalText";
import { EV_ERROR, EV_SUMMARY } from "../../assembly/events";
import { readFile, stat } from "node:fs/promises";
import { keytabEntries, KEYTAB_MAX_BYTES } from "../core/decrypt/keytab";
import { DecryptStage, parseSessionKey, hasSecrets, type Secrets } from "../core/decrypt/session";
import type { RawEvent } from "../core/decoder/records";

const USAGE = `usage: smbscope [--events] [--json] [--password-file FILE] [--session-key SESSIONID:HEX]... [--keytab FILE]... [--] <capture.pcap|capture.pcapng|-> ...
  (default)  readable diagnosis of every SMB connection setup in the capture
  --json     the Report as JSON (one document per file, one per line for several files)
  --events   the decoder's events as JSON Lines (the view compared with tshark)
  --password-file FILE   decrypt SMB3: each line of FILE is a password, tried against every NTLM
             session (and checked against the client's response on a logon failure); never printed
  --session-key SESSIONID:HEX   decrypt SMB3 with this session's key (16 or 32 bytes of hex, as
             Wireshark's SMB2 secrets take it); may be repeated
  --keytab FILE          decrypt SMB3 Kerberos sessions with the service's keytab (MIT format, as
             ktpass, samba-tool domain exportkeytab or ktutil write it); may be repeated; never printed
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
  writeBytes?: (b: Buffer) => Promise<void>,
): Promise<number> {
  const files: string[] = [];
  let events = false;
  let json = false;
  let optionsEnded = false;
  // what the CLI prints that is not its own (file names, the capture's strings) is escaped
  const say = (s: string) => err(terminalSafe(s));
  const passwordFiles: string[] = [];
  const sessionKeyArgs: string[] = [];
  const keytabFiles: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (optionsEnded || a === "-" || !a.startsWith("-")) { files.push(a); continue; }
    // options that take a value: --opt VALUE or --opt=VALUE
    const eq = a.indexOf("=");
    const name = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    if (name === "--password-file" || name === "--session-key" || name === "--keytab") {
      const v = eq > 0 && a.startsWith("--") ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === "") { say(`smbscope: ${name} needs a value`); err(USAGE); return 2; }
      (name === "--password-file" ? passwordFiles : name === "--keytab" ? keytabFiles : sessionKeyArgs).push(v);
    } else if (name === "--password" || name === "-p") {
      // a password in the arguments is visible to every user of the machine (ps, /proc, history)
      say(`smbscope: ${name}: no password on the command line; put it in a file (one per line) and use --password-file FILE`);
      return 2;
    } else if (a === "--") optionsEnded = true;
    else if (a === "--events") events = true;
    else if (a === "--json") json = true;
    else if (a === "-h" || a === "--help") { out(USAGE); return 0; }
    else { say(`smbscope: unknown option ${a}`); err(USAGE); return 2; }
  }
  if (files.length === 0) { err(USAGE); return 2; }
  const secrets = await readSecrets(passwordFiles, sessionKeyArgs, keytabFiles, say);
  if (secrets === null) return 2;
  let worst = 0;
  const tty = !!process.stderr.isTTY;
  const color = !!process.stdout.isTTY && !process.env.NO_COLOR;
  // said once a run, not once a file: the Report comes out all the same
  let toldNoSpool = false;
  const noSpool = (why: string) => { if (!toldNoSpool) say(`smbscope: ${why}`); toldNoSpool = true; };
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
    let spool: ConnectionSpool | undefined;
    let rows: TextRowSpool | undefined;
    let chunks: ChunkFile | null = null;
    try {
      if (events) {
        // A decoder in its initial state for every file: nothing one capture does reaches the next.
        const decoder = await nodeDecoder();
        let fatal = false, packets = 0;
        const lines: string[] = [];
        const view = { push(ev: RawEvent) {
          if (ev.kind === EV_ERROR) fatal = true;
          else if (ev.kind === EV_SUMMARY) packets = Number(ev.f.packets);
          const v = eventView(ev, src.name);
          if (v) lines.push(JSON.stringify(v));
        } };
        // with secrets, the decrypted messages come in the view too (marked "decrypted")
        const stage = secrets ? new DecryptStage(decoder, secrets, view) : null;
        decoder.setDecrypt(!!stage);
        try {
          await decodeSource(decoder, src, (batch) => {
            for (const ev of batch) (stage ?? view).push(ev);
            // one write per batch: a write per line costs more than the decoding
            if (lines.length) { out(stringifiedTerminalSafe(lines.join("\n"))); lines.length = 0; }
          }, onProgress);
        } finally { stage?.drop(); decoder.setDecrypt(false); }
        if (onProgress) process.stderr.write("\r\x1b[K");
        if (fatal && packets === 0) worst = 2; // the error itself is one of the events printed
        continue;
      }
      // --json through `write` (the command): the connection records go to a temporary file as the
      // analysis makes them, and are written from there (1,000,000 connections make ~1 GB of
      // records). The text view (through `write` too) keeps of each record its row (textRows.ts),
      // in a temporary file as well, and writes the text a few hundred lines at a time.
      // The typed columns of what the analysis keeps per connection go to a temporary file a chunk
      // at a time (core/model/column.ts), from the spool's own on: read back while the Report is made
      // and written, so the file stays until then.
      spillChunksTo((chunks = new ChunkFile()));
      if (json && write) spool = new ConnectionSpool(noSpool);
      else if (!json && write && drain) rows = new TextRowSpool(noSpool);
      // the decoder in a thread of its own beside the model where that is faster (decodeThread.ts)
      const decoding = !secrets && useDecodeThread(src) ? threadDecoding(src as typeof src & { fd: number }) : await nodeDecoder();
      const report = await analyzeCapture(decoding, src, { onProgress, secrets: secrets ?? undefined, memory: heapGuard(), connections: spool ?? rows });
      // The Report is all that is left of the analysis: the decoder's wasm memory (~40 MB) and the
      // model are garbage now, and one full collection gives them back before the Report is
      // written (V8 would keep them to the end of a run this short; the peak RSS of a busy
      // capture's --json came while its Report was written). bin/smbscope.mjs exposes gc. (Two
      // collections: core/collect.ts says why.)
      collectAndRelease();
      if (onProgress) process.stderr.write("\r\x1b[K");
      const unusable = !!report.capture.error && report.capture.packets === 0;
      // before the Report is written: writing it lets its records go
      const code = unusable ? 2 : report.findings.some((f) => f.severity === "error") ? 1 : 0;
      if (json) {
        if (write) {
          // in Report.connections' place (the same key order). Made terminal-safe piece by piece:
          // the same text as the whole made safe, escaping being character by character (and a
          // piece of the spool ends at a record's end, never inside a character)
          // (and the servers' compact list in Report.servers' place, the Kerberos records' list in
          // Report.kerberos', if the spool took them)
          const value = {
            ...report, connections: spool,
            ...(spool?.serverList ? { servers: spool.serverList } : {}),
            ...(spool?.kerberosList ? { kerberos: spool.kerberosList } : {}),
          };
          // the spool's records (and the other long lists' pieces) as their bytes when they are
          // terminal-safe as they are: ASCII without DEL (all stringifiedTerminalSafe escapes in
          // ASCII JSON text, whose C0 controls JSON escapes already), or else no character
          // jsonTerminalSafe escapes
          const bytes: WriteBytes | undefined = writeBytes && ((b, ascii) => (ascii ? b.indexOf(0x7f) < 0 : utf8JsonTerminalSafe(b)) && writeBytes(b));
          await writeJson(value, (s) => write(stringifiedTerminalSafe(s)), drain, true, bytes);
          write("\n");
        }
        else out(stringifiedTerminalSafe(JSON.stringify(report)));
      }
      else if (unusable) say(`smbscope: ${report.capture.error}`); // one error, nothing to report
      else if (rows) await writeLines(renderTextLines({ ...report, kerberos: rows.krb ?? report.kerberos }, rows, color), write!, drain!, files.length > 1 ? "\n" : "", writeBytes);
      else out(renderText(report, color) + (files.length > 1 ? "\n" : ""));
      worst = Math.max(worst, code);
    } catch (e) {
      say(`smbscope: ${src.name}: ${(e as Error).message}`);
      worst = 2;
    } finally { spool?.dispose(); rows?.dispose(); spillChunksTo(null); chunks?.close(); await src.close(); }
  }
  return worst;
}

/**
 * Lines of text written each with its line feed, ~TEXT_PIECE characters a write, then `tail`;
 * waits while the output is full. With `writeBytes`, each piece goes out as UTF-8 bytes from one
 * buffer used again, once the output is done with the last (a string per write left as many
 * buffers outside V8's heap, for the collector to find later: smb1m-1g's text, 26 MB, +20 MiB RSS).
 */
export async function writeLines(lines: Iterable<string>, write: Write, drain: () => Promise<void>, tail: string, writeBytes?: (b: Buffer) => Promise<void>): Promise<void> {
  let buf = writeBytes ? Buffer.allocUnsafe(TEXT_PIECE * 2) : null;
  const send = async (text: string) => {
    if (buf && writeBytes) {
      const n = Buffer.byteLength(text, "utf8");
      if (n > buf.length) buf = Buffer.allocUnsafe(n);
      buf.write(text, 0, n, "utf8");
      await writeBytes(buf.subarray(0, n));
    } else if (write(text) === false) await drain();
  };
  let piece: string[] = [], size = 0;
  for (const l of lines) {
    piece.push(l);
    size += l.length + 1;
    if (size >= TEXT_PIECE) {
      piece.push("");
      await send(piece.join("\n"));
      piece = []; size = 0;
    }
  }
  piece.push(tail);
  await send(piece.join("\n"));
}
/** Characters of the readable report written at a time */
const TEXT_PIECE = 256 << 10;

/**
 * The secrets of --password-file and --session-key: undefined when none were given, null (after
 * saying why) when one cannot be used. Messages name the file or the argument's position, never
 * a password or a key.
 */
async function readSecrets(passwordFiles: string[], keyArgs: string[], keytabFiles: string[], say: (s: string) => void): Promise<Secrets | undefined | null> {
  const secrets: Secrets = { passwords: [], sessionKeys: [] };
  for (const file of passwordFiles) {
    let text: string;
    try { text = await readFile(file, "utf8"); } catch (e) {
      say(`smbscope: --password-file ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
      return null;
    }
    // one password a line, as typed: only the line ending (and a UTF-8 byte order mark) is not part of it
    const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/).filter((l) => l !== "");
    if (lines.length === 0) { say(`smbscope: --password-file ${file}: the file holds no password (one per line)`); return null; }
    for (const l of lines) secrets.passwords.push(l); // (a long list: more than a call takes arguments)
  }
  for (const [i, arg] of keyArgs.entries()) {
    const k = parseSessionKey(arg);
    if ("error" in k) { say(`smbscope: --session-key (the ${ordinal(i + 1)}): ${k.error}`); return null; }
    secrets.sessionKeys.push(...k);
  }
  const keytabs: { name: string; bytes: Uint8Array }[] = [];
  for (const file of keytabFiles) {
    try {
      const st = await stat(file);
      if (st.size > KEYTAB_MAX_BYTES) { say(`smbscope: --keytab ${file}: ${st.size} bytes, larger than any keytab`); return null; }
      keytabs.push({ name: file, bytes: new Uint8Array(await readFile(file)) });
    } catch (e) {
      say(`smbscope: --keytab ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
      return null;
    }
  }
  if (keytabs.length) {
    const k = keytabEntries(keytabs);
    if ("error" in k) { say(`smbscope: --keytab ${k.error}`); return null; }
    secrets.keytabs = k;
  }
  return hasSecrets(secrets) ? secrets : undefined;
}

const ordinal = (n: number) => `${n}${n % 10 === 1 && n % 100 !== 11 ? "st" : n % 10 === 2 && n % 100 !== 12 ? "nd" : n % 10 === 3 && n % 100 !== 13 ? "rd" : "th"}`;
