// Writes a Report as JSON in pieces: the same text as JSON.stringify(report), without ever
// holding all of it in one string (a capture with 50,000 connections makes a Report of ~100 MB).
//
// Pieces of 50 array elements (~100 KB of JSON for connections): one stringify per piece, not
// per element (fewer calls), and each piece is let go before the next. When the output is
// a pipe whose reader is slower (smbscope --json … | jq), `write` returns false and the writer
// waits for `drain` before the next piece: otherwise the pieces queue up in memory (measured
// +20 MiB peak on a 5,000-connection Report).
const CHUNK = 50;

export type Write = (s: string) => boolean | void;

export async function writeJson(value: Record<string, unknown>, write: Write, drain?: () => Promise<void>): Promise<void> {
  const put = async (s: string) => { if (write(s) === false && drain) await drain(); };
  await put("{");
  let first = true;
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || typeof v === "function") continue;
    await put(`${first ? "" : ","}${JSON.stringify(k)}:`);
    first = false;
    if (Array.isArray(v) && v.length > CHUNK) {
      await put("[");
      for (let i = 0; i < v.length; i += CHUNK) {
        const part = JSON.stringify(v.slice(i, i + CHUNK)); // its own brackets dropped below
        await put(i === 0 ? part.slice(1, -1) : `,${part.slice(1, -1)}`);
      }
      await put("]");
    } else await put(JSON.stringify(v));
  }
  await put("}");
}
