// The Report as JSON without one huge string: the export is written a list element at a time into
// Blob parts (a 100,000-connection Report is ~270 MB of JSON: one string would double the worker's
// memory, and is near V8's string limit). Byte for byte what JSON.stringify(report, null, indent)
// gives. History's stored form was that JSON gzip-compressed until history/columns.ts: entries
// saved so are still read (history/storedForm.ts openStored; decompressReport and compressReport
// remain for the tests that make and read such entries).
import type { Report } from "../core/report";

/** Blob parts are joined from strings of about this size. */
const PART_CHARS = 1 << 20;

/**
 * JSON.stringify(report, null, indent), as strings of about PART_CHARS each. `lists`: the elements
 * of these fields, written instead of the report's own (the connections the worker keeps in
 * columns: read one at a time, never all at once).
 */
export function* reportJsonParts(report: Report, indent = 0, lists: Partial<Record<keyof Report, Iterable<unknown>>> = {}): Generator<string> {
  const nl = indent ? "\n" : "";
  const pad1 = " ".repeat(indent), pad2 = " ".repeat(indent * 2);
  const sep = indent ? ": " : ":";
  let buf = "{";
  let firstKey = true;
  for (const [k, v] of Object.entries(report)) {
    if (v === undefined || typeof v === "function") continue;
    buf += `${firstKey ? "" : ","}${nl}${pad1}${JSON.stringify(k)}${sep}`;
    firstKey = false;
    const own = lists[k as keyof Report];
    if (own || (Array.isArray(v) && v.length > 0)) {
      buf += "[";
      let i = 0;
      for (const x of own ?? (v as unknown[])) {
        const el = JSON.stringify(x === undefined ? null : x, null, indent) ?? "null";
        buf += `${i++ ? "," : ""}${nl}${pad2}${indent ? el.replace(/\n/g, `\n${pad2}`) : el}`;
        if (buf.length >= PART_CHARS) { yield buf; buf = ""; }
      }
      buf += i ? `${nl}${pad1}]` : "]";
    } else {
      const s = JSON.stringify(v, null, indent);
      buf += indent ? s.replace(/\n/g, `\n${pad1}`) : s;
    }
  }
  buf += `${firstKey ? "" : nl}}`;
  yield buf;
}

export function reportJsonBlob(report: Report, indent = 0): Blob {
  return new Blob([...reportJsonParts(report, indent)], { type: "application/json" });
}

/**
 * The same JSON as a stream, one part per task: the worker answers the page's questions (the rows of
 * the report just shown) between parts, instead of after the whole Report is written.
 */
export function reportJsonStream(report: Report, indent = 0, lists: Partial<Record<keyof Report, Iterable<unknown>>> = {}): ReadableStream<BufferSource> {
  return partsStream(reportJsonParts(report, indent, lists));
}

/** Text parts (an export's) as a stream of their UTF-8 bytes, one part per task (see reportJsonStream). */
export function partsStream(parts: Iterator<string>): ReadableStream<BufferSource> {
  const enc = new TextEncoder();
  return new ReadableStream<BufferSource>({
    async pull(ctrl) {
      await new Promise((r) => setTimeout(r, 0));
      const n = parts.next();
      if (n.done) ctrl.close(); else ctrl.enqueue(enc.encode(n.value));
    },
  }, { highWaterMark: 1 });
}

/** The stored form's media type (history's reports store keeps it beside the Blob). */
export const STORED_FORMAT = "application/json+gzip";

/** The Report, compact JSON, gzip-compressed. */
export async function compressReport(report: Report): Promise<Blob> {
  const gz = reportJsonStream(report).pipeThrough(new CompressionStream("gzip"));
  return new Response(gz).blob();
}

/** Reads back what compressReport wrote. Throws on a damaged Blob (a clear message, never a half Report). */
export async function decompressReport(blob: Blob): Promise<Report> {
  let text: string;
  try {
    text = await new Response(blob.stream().pipeThrough(new DecompressionStream("gzip"))).text();
  } catch (e) {
    throw new Error(`the saved analysis is damaged (${blob.size} bytes of compressed data could not be read: ${(e as Error).message})`);
  }
  return checkedReport(JSON.parse(text) as Report);
}

/** A value read back from a saved analysis, if it is a Report (else a clear error, never a half Report). */
export function checkedReport(r: Report): Report {
  if (!r || typeof r !== "object" || !Array.isArray(r.connections) || !Array.isArray(r.findings) || !r.capture) {
    throw new Error("the saved analysis is damaged (it is not a Report)");
  }
  return r;
}
