// Writes a Report as JSON in pieces: the same text as JSON.stringify(report), without ever
// holding all of it in one string (a capture with 50,000 connections makes a Report of ~100 MB).
//
// An array is written PIECE elements at a time (~75 KB of JSON for connections): one stringify
// per piece, not per element (fewer calls), and each piece is let go before the next. The text
// between the arrays goes out with the next piece (one write, not one per key). With `release`,
// the array's elements are let go too once written (the array keeps its length, its elements
// become undefined): the CLI needs nothing of a connection record after it, and what the Report
// held can be collected while it is written. A ConnectionSpool in place of an array (the CLI's
// --json: the connection records are in a temporary file, connectionSpool.ts) is written from
// there, in its pieces; a ServerList (core/serverList.ts) in place of Report.servers, a piece of
// its entries at a time, made for the piece, and a server's list of failed clients longer than a
// piece in pieces of its own (a SYN scan of 200,000 connections to one server: one entry whose
// JSON text was ~15 MB, and three times that in the heap while it was made); a KerberosRecords
// (core/model/kerberos.ts) in place of Report.kerberos, its records made a piece at a time. When the output is a pipe whose reader is slower
// (smbscope --json … | jq), `write` returns false and the writer waits for `drain` before the
// next piece: otherwise the pieces queue up in memory (measured +20 MiB peak on a
// 5,000-connection Report).
import { ConnectionSpool } from "./connectionSpool";
import { ServerList } from "../core/serverList";
import { KerberosRecords } from "../core/model/kerberos";
import { JsonBytes } from "./jsonBytes";

const PIECE = 50;
const COMMA = 0x2c;
/** the pieces' bytes (asBytes) are written once they are this many (the buffer grows past it for a piece that crosses it) */
const BYTES_OUT = 256 << 10;

export type Write = (s: string) => boolean | void;
/**
 * Writes JSON text's UTF-8 bytes (`ascii`: all of them ASCII) if they are fit for the output as
 * they are, resolving once the output is done with them (the buffer is then used again). Returns
 * false, writing nothing, for bytes it leaves to `write` as text (the CLI: bytes that are not all
 * safe on a terminal as they are).
 */
export type WriteBytes = (b: Buffer, ascii: boolean) => false | Promise<void>;

/**
 * `bytes`, when given, writes a spool's records as the bytes the spool holds: no string made of
 * them, and none encoded back to bytes by the output; and the pieces of the other long lists as
 * bytes made by JsonBytes (asBytes).
 */
export async function writeJson(value: Record<string, unknown>, write: Write, drain?: () => Promise<void>, release = false, bytes?: WriteBytes): Promise<void> {
  let text = "{"; // not written yet: goes out with the next piece
  let first = true;
  // the pieces encoded as bytes (asBytes) and not written yet: they go out before any text
  const enc = bytes ? new JsonBytes(BYTES_OUT + (BYTES_OUT >> 2)) : null;
  /** JSON text's bytes through `bytes`, or as text the way the rest goes (not terminal-safe as they are). */
  const putBytes = async (b: Buffer, ascii: boolean) => {
    const done = bytes!(b, ascii);
    if (done === false) await put(b.toString(ascii ? "latin1" : "utf8"));
    else await done;
  };
  const flush = async () => {
    if (!enc || enc.at === 0) return;
    const b = enc.buf.subarray(0, enc.at), ascii = !enc.nonAscii;
    enc.at = 0;
    enc.nonAscii = false;
    await putBytes(b, ascii); // (the buffer is written into again once this is done)
  };
  const put = async (s: string) => {
    await flush();
    if (write(s) === false && drain) await drain();
  };
  /**
   * The entries `l` (a piece of a list, after `comma`: its first is not the list's first) written
   * as bytes (with `bytes`: JsonBytes, the spool's encoder), JSON.stringify(l)'s text without its
   * brackets; false, writing nothing of them, when it leaves them to the string's way (an entry not
   * an object, one the encoder leaves to JSON.stringify). The bytes go out BYTES_OUT at a time,
   * not a write a piece (the dense bench's Kerberos entries and servers were ~2,200 writes of
   * 5-15 KB). The Report's other lists went as strings: JSON.stringify's, joined to the text
   * before, measured and copied to make them terminal-safe (stringifiedTerminalSafe), encoded
   * back to bytes by the output; the dense bench's 60,660 Kerberos records (18 MB) made ~100 MB
   * of strings (sampled).
   */
  const asBytes = async (l: readonly unknown[], comma: boolean): Promise<boolean> => {
    if (!enc) return false;
    if (text !== "") { await put(text); text = ""; }
    const start = enc.at, nonAscii = enc.nonAscii;
    for (let k = 0; k < l.length; k++) {
      if (comma || k > 0) { enc.room(enc.at, 1); enc.buf[enc.at++] = COMMA; }
      // (an entry JSON.stringify writes as null, undefined say, the encoder leaves to it)
      if (!enc.value(l[k] as object)) { enc.at = start; enc.nonAscii = nonAscii; return false; }
    }
    if (enc.at >= BYTES_OUT) await flush();
    return true;
  };
  /** A list of `n` entries written PIECE at a time (`slice` makes a piece; `drop`, with release, lets it go). */
  const pieces = async (n: number, slice: (i: number, j: number) => unknown[], drop?: (i: number, j: number) => void) => {
    text += "[";
    for (let i = 0; i < n; i += PIECE) {
      const l = slice(i, i + PIECE);
      if (await asBytes(l, i > 0)) { if (release) drop?.(i, i + PIECE); continue; }
      const piece = JSON.stringify(l);
      if (release) drop?.(i, i + PIECE);
      // a piece's own brackets are dropped (a slice: no copy): "," goes on from the last one
      await put(`${text}${i === 0 ? "" : ","}${piece.slice(1, -1)}`);
      text = "";
    }
    text += "]";
  };
  /** Report.servers from its compact list: a piece of entries at a time, a long `failed` in pieces. */
  const servers = async (list: ServerList) => {
    text += "[";
    for (let i = 0; i < list.length; i += PIECE) {
      const piece = list.slice(i, i + PIECE);
      if (!piece.some((s) => s.failed.length > PIECE)) {
        if (await asBytes(piece, i > 0)) continue;
        await put(`${text}${i === 0 ? "" : ","}${JSON.stringify(piece).slice(1, -1)}`);
        text = "";
        continue;
      }
      for (const [k, s] of piece.entries()) {
        text += i + k === 0 ? "" : ",";
        if (s.failed.length <= PIECE) { text += JSON.stringify(s); continue; }
        // (its keys in its own order, as JSON.stringify takes them)
        let sep = "{";
        for (const [key, x] of Object.entries(s)) {
          if (x === undefined) continue;
          text += `${sep}${JSON.stringify(key)}:`;
          sep = ",";
          if (key === "failed") await pieces(s.failed.length, (a, b) => s.failed.slice(a, b));
          else text += JSON.stringify(x);
        }
        text += sep === "{" ? "{}" : "}";
      }
    }
    text += "]";
  };
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || typeof v === "function") continue;
    text += `${first ? "" : ","}${JSON.stringify(k)}:`;
    first = false;
    if (v instanceof ConnectionSpool) {
      text += "[";
      if (bytes) {
        await put(text);
        text = "";
        for (const piece of v.bytePieces()) await putBytes(piece, v.allAscii);
      } else for (const piece of v.pieces()) { await put(text + piece); text = ""; }
      text += "]";
    } else if (v instanceof ServerList) await servers(v);
    // (Report.kerberos as a list that makes its records: a piece made, written and let go at a time)
    else if (v instanceof KerberosRecords) await pieces(v.length, (i, j) => v.slice(i, j));
    else if (Array.isArray(v) && v.length > PIECE) await pieces(v.length, (i, j) => v.slice(i, j), (i, j) => v.fill(undefined, i, j));
    else text += JSON.stringify(v);
  }
  await put(`${text}}`);
}
