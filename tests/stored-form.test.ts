// History's stored form (history/columns.ts, history/storedForm.ts): every fixture's Report,
// analysed here as the worker analyses it, written in columns and read back, is the same Report
// (JSON.stringify-equal: no field, value or key order lost), with and without secrets; a large
// Report reopened answers its connection table from the columns the same as from the Report; the
// forms history holds from before (gzip JSON) still open; a damaged one says so.
import { describe, it, expect } from "vitest";
import { join, relative } from "node:path";
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { nodeDecoder } from "../src/cli/wasmNode";
import { analyzeBytes } from "../src/core/analyze";
import type { Secrets } from "../src/core/decrypt/secrets";
import type { Report } from "../src/core/report";
import { encodeColumns, decodeColumns, StoredColumns, SLICE } from "../src/history/columns";
import { openStored, writeStored, COLUMNS_FORMAT } from "../src/history/storedForm";
import { compressReport } from "../src/worker/reportJson";
import { ReportIndex, ipv4Endpoint } from "../src/worker/reportIndex";
import { replicateReport } from "../src/worker/synthetic";
import type { SortKey } from "../src/ui/model";
import { reportOf } from "./support/report";

const FIX = join(__dirname, "../fixtures");
const NOT_CAPTURES = /\.(tsv|txt|json|md|keytab)$/;
function captures(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? captures(p) : NOT_CAPTURES.test(f) ? [] : [p];
  });
}
const files = captures(FIX);
const noPause = async () => {};

async function roundTrip(r: unknown): Promise<unknown> {
  const bytes = await new Blob(await encodeColumns(r as object, noPause)).arrayBuffer();
  const d = decodeColumns(bytes);
  await d.rest(noPause);
  return d.value;
}

describe("the stored form of every fixture's Report reads back the same", () => {
  it("has fixtures to read", () => { expect(files.length).toBeGreaterThan(100); });

  it.each(files.map((f) => relative(FIX, f)))("%s", async (name) => {
    const r = await reportOf(join(FIX, name));
    expect(JSON.stringify(await roundTrip(r))).toBe(JSON.stringify(r));
  });

  // the decryption fields (and what decrypted messages add) exist only in Reports made with secrets
  let decrypted = 0;
  const encrypted = readdirSync(FIX).filter((f) => /^enc-.*\.pcap$/.test(f) && existsSync(join(FIX, f.replace(/\.pcap$/, ".secret.txt")))).sort();
  it.each(encrypted)("%s, decrypted with its password", async (name) => {
    const secrets: Secrets = { passwords: [readFileSync(join(FIX, name.replace(/\.pcap$/, ".secret.txt")), "utf8").trim()], sessionKeys: [] };
    const r = analyzeBytes(await nodeDecoder(), readFileSync(join(FIX, name)), name, secrets);
    if (r.connections.some((c) => c.decryption)) decrypted++;
    expect(JSON.stringify(await roundTrip(r))).toBe(JSON.stringify(r));
  });
  it.skipIf(!encrypted.length)("(the decrypted Reports had decryption fields to keep)", () => { expect(decrypted).toBeGreaterThan(5); });
});

describe("the stored form keeps what JSON keeps, whatever the fields", () => {
  it("fields it does not know, values of mixed kinds, key orders, nulls, holes, -0, NaN, nested lists", async () => {
    const recs = Array.from({ length: 300 }, (_, i) => {
      const o: Record<string, unknown> = { id: `c${i}`, n: i * 1000, f: i / 7, milli: i * 0.001 + 0.25, neg: -i, big: 2 ** 40 + i, z: i % 2 ? -0 : 0 };
      if (i % 3) o.maybe = i % 5 ? null : "five";
      o.mixed = i % 4 === 0 ? "s" : i % 4 === 1 ? 1 : i % 4 === 2 ? { a: [1, "x"] } : [null];
      o.nested = { deep: { list: [[i], [], [i, i + 1]] }, flag: i % 2 === 0, undef: undefined };
      if (i === 7) { o.later = "a field only one record has"; o["10"] = "numeric key"; }
      o.holes = [1, undefined, 3];
      o.nan = i === 9 ? NaN : 1.5;
      o.text = "tab\there, quote \" and a lone surrogate \ud800 and é";
      o.fn = () => 1;
      return i % 11 === 0 ? Object.fromEntries(Object.entries(o).reverse()) : o;
    });
    const r = { version: 1, extra: { added: [1, 2] }, list: recs, empty: [], strings: recs.map((x) => x.id), numbers: [1, 2.5, -3], newList: [{ only: 1 }], last: null };
    expect(JSON.stringify(await roundTrip(r))).toBe(JSON.stringify(r));
  });

  it("lists longer than a slice", async () => {
    const r = { list: Array.from({ length: SLICE * 2 + 17 }, (_, i) => ({ i, s: `s${i % 300}`, shape: i % 1000 === 0 ? { odd: true } : undefined })) };
    expect(JSON.stringify(await roundTrip(r))).toBe(JSON.stringify(r));
  });
});

describe("a large Report reopened from its stored form", async () => {
  const seed = await reportOf(join(FIX, "krb-smb-ok.pcap"));
  const small = await reportOf(join(FIX, "tree-bad-share.pcap"));
  // the fixtures' connections together, replicated: failures, Kerberos users, shares, findings
  const base: Report = { ...seed, connections: [...seed.connections, ...small.connections], findings: [...seed.findings, ...small.findings], kerberos: seed.kerberos };
  const big = replicateReport(base, 12_000);

  it("answers the connection table from its columns as the whole Report does, then is the whole Report", async () => {
    const blob = await writeStored(big, noPause);
    expect(blob.type).toBe(COLUMNS_FORMAT);
    expect(blob.size).toBeLessThan(JSON.stringify(big).length / 20);
    const { index, whole } = await openStored(blob);
    const ref = new ReportIndex(big);
    const keys: SortKey[] = ["outcome", "first", "client", "server", "dialect", "auth", "shares", "failed"];
    const ask = (x: ReportIndex, key: SortKey, dir: 1 | -1, text: string, outcome: "all" | "problems") =>
      x.rows({ sort: { key, dir }, text, outcome, offset: 3, count: 40 });
    // before the whole Report is there (the rows come from the columns), and after
    for (const stage of ["columns", "whole"]) {
      for (const key of keys) expect(ask(index, key, -1, "", "all"), `${stage} ${key}`).toEqual(ask(ref, key, -1, "", "all"));
      expect(ask(index, "client", 1, "alice", "problems")).toEqual(ask(ref, "client", 1, "alice", "problems"));
      expect(ask(index, "server", 1, "STATUS_BAD_NETWORK_NAME", "all")).toEqual(ask(ref, "server", 1, "STATUS_BAD_NETWORK_NAME", "all"));
      if (stage === "columns") { expect(index.report.connections.length).toBe(0); await whole(); }
    }
    // (its connections stay columns: never a list of objects in the index)
    expect(index.report.connections.length).toBe(0);
    expect(JSON.stringify(index.withConnections())).toBe(JSON.stringify(big));
    expect(index.digest()).toEqual(ref.digest());
    expect(index.connection(big.connections[5000].id)).toEqual(ref.connection(big.connections[5000].id));
  });

  it("is decoded whole by itself once its table is left idle, and not once it is let go", async () => {
    const blob = await writeStored(big, noPause);
    const idle = await openStored(blob);
    // (the lists fill in one after another: the connections' length alone is reached before the
    // findings and servers are there)
    const want = JSON.stringify(big);
    await expect.poll(() => idle.index.report.servers?.length === big.servers?.length && JSON.stringify(idle.index.withConnections()) === want, { timeout: 30_000, interval: 250 }).toBe(true);
    const gone = await openStored(blob);
    gone.drop();
    await expect(gone.whole()).rejects.toThrow(/let go/);
    expect(gone.index.report.connections.length).toBe(0);
  });

  it("reads the columns one key at a time and one record at a time", async () => {
    const sc = new StoredColumns(await new Blob(await encodeColumns(big, noPause)).arrayBuffer());
    expect(sc.length("connections")).toBe(big.connections.length);
    expect(sc.column("connections", "client")).toEqual(big.connections.map((c) => c.client));
    expect(JSON.stringify(sc.record("connections", 9000))).toBe(JSON.stringify(big.connections[9000]));
  });
});

describe("what history holds from before still opens", () => {
  it("the gzip JSON of the version before the columns", async () => {
    const r = await reportOf(join(FIX, "krb-smb-ok.pcap"));
    const { index, whole } = await openStored(await compressReport(r));
    await whole();
    expect(JSON.stringify(index.report)).toBe(JSON.stringify(r));
  });

  it("a large Report's gzip JSON", async () => {
    const r = replicateReport(await reportOf(join(FIX, "tree-bad-share.pcap")), 6000);
    const { index, whole } = await openStored(await compressReport(r));
    await whole();
    expect(JSON.stringify(index.report)).toBe(JSON.stringify(r));
  });

  it("the columns of versions 1 and 2 (mostly distinct strings in the string table), as smbscope wrote them before version 3", async () => {
    // written by smbscope at f7825c6 (history/columns.ts "text" columns): 5,200 connections of
    // two fixtures replicated (replicateReport), beside that Report as JSON
    const old = readFileSync(join(__dirname, "support/stored/stored-v1-5200.bin"));
    const r = JSON.parse(gunzipSync(readFileSync(join(__dirname, "support/stored/stored-v1-5200.json.gz"))).toString()) as Report;
    const raw = gunzipSync(old);
    const head = JSON.parse(raw.subarray(12, 12 + raw.readUInt32LE(8)).toString()) as { v: number };
    expect(head.v).toBe(1);
    expect(raw.includes('{"k":"text"')).toBe(true);
    const reopened = await openStored(new Blob([old], { type: COLUMNS_FORMAT }));
    // its table answered from the columns (before the whole Report), as the Report itself answers it
    const fresh = new ReportIndex(r);
    for (const key of ["client", "server", "outcome", "shares"] as SortKey[]) {
      const q = { offset: 40, count: 30, sort: { key, dir: -1 as const }, text: "", outcome: "all" as const };
      expect(reopened.index.rows(q)).toEqual(fresh.rows(q));
    }
    await reopened.whole();
    expect(JSON.stringify(reopened.index.withConnections())).toBe(JSON.stringify(r));
    // and the same Report written now: version 3, as compact (its text columns apart from the string table: a few % more gzip)
    const now = await writeStored(r, noPause);
    const nowRaw = gunzipSync(new Uint8Array(await now.arrayBuffer()));
    expect(JSON.parse(nowRaw.subarray(12, 12 + nowRaw.readUInt32LE(8)).toString()).v).toBe(3);
    expect(now.size).toBeLessThanOrEqual(old.length * 1.05);
  });

  it("a damaged stored form says so, never a half Report", async () => {
    const r = replicateReport(await reportOf(join(FIX, "tree-bad-share.pcap")), 6000);
    const good = new Uint8Array(await new Blob(await encodeColumns(r, noPause)).arrayBuffer());
    await expect(openStored(new Blob([good.subarray(0, good.length >> 1)]))).rejects.toThrow(/damaged/);
    const gz = new Uint8Array(await (await writeStored(r, noPause)).arrayBuffer());
    await expect(openStored(new Blob([gz.subarray(0, gz.length - 100)]))).rejects.toThrow(/damaged/);
    await expect(openStored(new Blob([new Uint8Array([0x1f, 0x8b, 1, 2, 3])]))).rejects.toThrow(/damaged/);
  });
});

describe("the connection table's endpoint order", () => {
  it("reads IPv4 endpoints as the pattern it replaces does", () => {
    const re = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3}):(\d{1,5})$/;
    const simple = (s: string) => {
      const m = re.exec(s);
      if (!m || +m[1] > 255 || +m[2] > 255 || +m[3] > 255 || +m[4] > 255 || +m[5] > 65535) return -1;
      return (((+m[1] * 256 + +m[2]) * 256 + +m[3]) * 256 + +m[4]) * 65536 + +m[5];
    };
    const cases = ["10.1.2.3:445", "0.0.0.0:0", "255.255.255.255:65535", "256.1.1.1:1", "1.1.1.1:65536", "1.1.1.1:123456", "01.002.3.4:00445",
      "1.1.1:445", "1.1.1.1", "1.1.1.1:", ":445", "1.1.1.1:44a", "[fe80::1]:445", "fe80::1:445", "1.1.1.1:445\n", " 1.1.1.1:445", "1..1.1:4", "1111.1.1.1:1", "١.1.1.1:1", ""];
    for (const s of cases) expect(ipv4Endpoint(s), s).toBe(simple(s));
  });
});
