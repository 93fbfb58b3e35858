// The CLI's readable report through its row spool (src/cli/textRows.ts): the text is the Report's
// renderText byte for byte, for every fixture and for several files in one run, the rows kept in a
// private nameless temporary file while the text is written (closed afterwards), read back in
// Report order whatever order the analysis put them in, and a busy capture's rows neither held in
// memory nor written as one string.
import { describe, it, expect } from "vitest";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { main, writeLines } from "../src/cli/main";
import { renderText, renderTextLines, textRow } from "../src/cli/render";
import { TextRowSpool } from "../src/cli/textRows";
import { reportOf } from "./support/report";
import { spoolTmp, openTempFiles } from "./support/spoolDir";
import { fileSource } from "../src/cli/nodeSource";
import { nodeDecoder } from "../src/cli/wasmNode";
import { analyzeCapture } from "../src/core/analyze";
import type { Connection, Report } from "../src/core/report";

const FIX = join(__dirname, "../fixtures");
const CAPTURE = /\.(pcap|pcapng|cap)$/;
const fixtures = ["", "netmon", "regress"].flatMap((d) => readdirSync(join(FIX, d)).filter((f) => CAPTURE.test(f)).sort().map((f) => join(d, f)));

const { tmp: TMP } = spoolTmp("smbscope-texttest-");

/** The modes of the row spools this process has open (a spool's file: "…/connections.json (deleted)"; not the column chunks'). */
const openSpools = (): number[] => openTempFiles(TMP).filter(({ link }) => /\/connections\.json \(deleted\)$/.test(link)).map(({ mode }) => mode);

/** The command's readable report as bin/smbscope.mjs has it written (`write` and `drain`), with its writes counted. */
async function streamed(args: string[], onWrite?: () => void) {
  const chunks: string[] = [], err: string[] = [];
  let writes = 0;
  const code = await main(args, (s) => chunks.push(s + "\n"), (s) => err.push(s),
    (s) => { onWrite?.(); writes++; chunks.push(s); return true; }, async () => {},
    // (as bin/smbscope.mjs: resolved once the bytes are out, a turn later)
    (b) => { onWrite?.(); writes++; const at = chunks.push("") - 1; return new Promise((done) => setImmediate(() => { chunks[at] = b.toString("utf8"); done(); })); });
  return { code, out: chunks.join(""), err, writes };
}

describe("the readable report through the row spool", () => {
  it("prints, for every fixture, exactly the Report's text, its rows in a 0600 file without a name while it is written, closed afterwards", async () => {
    let rows = 0;
    for (const f of fixtures) {
      const whole = await reportOf(join(FIX, f));
      let seen: number[] | null = null;
      const r = await streamed([join(FIX, f)], () => { seen ??= openSpools(); });
      expect(r.out, f).toBe(`${renderText(whole, false)}\n`);
      expect(r.err, f).toEqual([]);
      if (whole.capture.packets) expect(seen, f).toEqual([0o600]);
      expect(openSpools(), f).toEqual([]);
      rows += whole.connections.length;
    }
    expect(rows).toBeGreaterThan(80);
  });

  it("takes the Kerberos records as the list that makes them when read: the Report holds none, the text the same", async () => {
    let messages = 0;
    for (const f of fixtures) {
      const whole = await reportOf(join(FIX, f));
      if (!whole.kerberos.length) continue;
      const rows = new TextRowSpool();
      const src = await fileSource(join(FIX, f));
      try {
        const r = await analyzeCapture(await nodeDecoder(), src, { connections: rows });
        expect(r.kerberos, f).toEqual([]);
        expect(rows.krb?.length, f).toBe(whole.kerberos.length);
        expect(rows.krb?.slice(0, 40), f).toEqual(whole.kerberos.slice(0, 40));
        expect([...renderTextLines({ ...r, kerberos: rows.krb! }, rows, false)].join("\n"), f).toBe(renderText(whole, false));
      } finally { rows.dispose(); await src.close(); }
      messages += whole.kerberos.length;
    }
    expect(messages).toBeGreaterThan(20);
  });

  it("several files: each text, then a blank line, as before", async () => {
    const files = ["smb311-ok.pcap", "tree-bad-share.pcap"].map((f) => join(FIX, f));
    const r = await streamed(files);
    const texts = await Promise.all(files.map(async (f) => renderText(await reportOf(f), false)));
    expect(r.out).toBe(texts.map((t) => `${t}\n\n`).join(""));
  });

  it("rows put in any order come back in Report order, each as its record's row, names that would drive a terminal and non-ASCII text included", () => {
    const names = ["alice", "\u001b[8mbob\n", "Jürgen", "\ud800lone", "\u202eevil", "日本"];
    const spool = new TextRowSpool();
    try {
      const recs: Connection[] = [];
      for (let i = 0; i < 3000; i++) {
        recs.push({
          id: `10.0.0.${i % 250}:${1000 + i}-10.0.1.1:445`, stream: i, client: `10.0.0.${i % 250}:${1000 + i}`, server: "10.0.1.1:445",
          dialect: i % 3 ? "3.1.1" : null, auth: "ntlm", user: `CORP\\${names[i % names.length]}`, outcome: i % 7 ? "ok" : "failed",
          failedPhase: i % 7 ? null : "tree_connect", status: i % 7 ? null : "STATUS_BAD_NETWORK_NAME",
          shares: [{ path: `\\\\srv\\${names[(i + 1) % names.length]}`, status: "STATUS_SUCCESS", requestFrame: 1, responseFrame: 2, encrypted: false }],
          clientOs: i % 5 ? null : { version: "10.0.26100", name: "Windows 11 24H2" }, phases: [], findings: [],
        } as unknown as Connection);
      }
      // put in a shuffled order, with orders of gaps (as connections fold when they close)
      const put = recs.map((_, i) => i);
      let seed = 7;
      for (let i = put.length - 1; i > 0; i--) { seed = (seed * 1103515245 + 12345) >>> 0; const j = seed % (i + 1); [put[i], put[j]] = [put[j], put[i]]; }
      for (const i of put) spool.put(i * 3 + 1, recs[i]);
      const back = [...spool.rows()];
      expect(back).toEqual(recs.map(textRow).map((r) => JSON.parse(JSON.stringify(r))));
      // and walked again (the renderer walks them twice)
      expect([...spool.rows()].length).toBe(recs.length);
    } finally { spool.dispose(); }
  });

  it("a busy capture's text: the same lines from spooled rows as from the records in memory", async () => {
    // a real Report's connections, replicated to more rows than one read-back piece holds
    const whole = await reportOf(join(FIX, "tree-bad-share.pcap"));
    const conns: Connection[] = [];
    for (let i = 0; i < 6000; i++) for (const c of whole.connections) conns.push({ ...c, id: `${c.id}#${i}`, stream: conns.length });
    const report: Report = { ...whole, connections: conns };
    const spool = new TextRowSpool();
    try {
      for (let i = conns.length - 1; i >= 0; i--) spool.put(i, conns[i]);
      expect([...renderTextLines({ ...report, connections: [] }, spool, false)].join("\n")).toBe(renderText(report, false));
    } finally { spool.dispose(); }
  });

  it("writes a long text a piece at a time, every line with its line feed, then what follows it, as text or as bytes", async () => {
    const lines = Array.from({ length: 40_000 }, (_, i) => `line ${i} ${"x".repeat(i % 50)}`);
    for (const tail of ["", "\n"]) {
      const out: string[] = [];
      let drains = 0;
      await writeLines(lines, (s) => { out.push(s); return out.length % 2 === 0; }, async () => { drains++; }, tail);
      expect(out.join("")).toBe(`${lines.join("\n")}\n${tail}`);
      expect(out.length).toBeGreaterThan(3);
      expect(drains).toBeGreaterThan(0); // (a full output is waited for)
      // as bytes from one buffer used again: each piece read before the next is made
      const bytes: string[] = [];
      await writeLines(lines, () => { throw new Error("no text write with writeBytes"); }, async () => {}, tail,
        (b) => new Promise((done) => setImmediate(() => { bytes.push(b.toString("utf8")); done(); })));
      expect(bytes.join("")).toBe(`${lines.join("\n")}\n${tail}`);
      expect(bytes.length).toBeGreaterThan(3);
    }
  });

  it("200,000 rows: the heap does not hold them, put or walked", () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const rec = { id: "", stream: 0, client: "10.1.2.3:49152", server: "10.9.8.7:445", dialect: "3.1.1", auth: "ntlm", user: "CORP\\alice",
      outcome: "ok", failedPhase: null, status: null, shares: [{ path: "\\\\fs01\\IPC$", status: "STATUS_SUCCESS" }] } as unknown as Connection;
    gc();
    const before = process.memoryUsage().heapUsed;
    const spool = new TextRowSpool();
    try {
      for (let i = 0; i < 200_000; i++) { rec.stream = i; rec.id = `c${i}`; spool.put(i, rec); }
      gc();
      // held in memory as rows they would be ~60 MB
      expect(process.memoryUsage().heapUsed - before).toBeLessThan(15e6);
      let n = 0, peak = 0;
      for (const r of spool.rows()) {
        if (r.stream !== n++) throw new Error(`row ${r.stream} at ${n - 1}`);
        if (n % 20_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      }
      expect(n).toBe(200_000);
      expect(peak).toBeLessThan(40e6); // uncollected garbage included
    } finally { spool.dispose(); }
    expect(openSpools()).toEqual([]);
  }, 60_000);
});
