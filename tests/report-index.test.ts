// The page's view of a large Report, computed where the Report is (the analyzer worker): finding
// groups (core/findingGroups.ts), the connection table's rows sorted and filtered there
// (worker/reportIndex.ts), and the stored form history keeps (worker/reportJson.ts). Checked
// against the same questions answered the simple way on the whole list (ui/model.ts).
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { groupFindings } from "../src/core/findingGroups";
import { ReportIndex, PRINT_ALL_ROWS } from "../src/worker/reportIndex";
import { compressReport, decompressReport, reportJsonBlob } from "../src/worker/reportJson";
import { connectionsShown, filterConnections, sortConnections, type SortKey } from "../src/ui/model";
import type { Connection, Finding, Report } from "../src/core/report";
import { reportOf } from "./support/report";
import { sampleReport, badShareConnection, okConnection, noResponseConnection } from "./ui-sample-report";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { FINDINGS_PER_ID } from "../src/core/diagnose/context";
import { GROUP_CONNECTIONS } from "../src/core/reportBuilder";
// @ts-expect-error: the bench's generator is plain JavaScript
import { floodFlows, floodPcap } from "../bench/gen.mjs";

const FIX = join(__dirname, "../fixtures");

function finding(id: string, severity: Finding["severity"], connection: string | null, extra: Partial<Finding> = {}): Finding {
  return { id, severity, title: `${id} on ${connection}`, explanation: "", remediation: [], connection, frames: [], ...extra };
}

/** `n` copies of the sample's connections, each its own client port and stream, with their findings. */
function manyConnections(n: number): Report {
  const base = sampleReport();
  const connections: Connection[] = [];
  const findings: Finding[] = [base.findings[0]];
  for (let i = 0; i < n; i++) {
    for (const c of base.connections) {
      const port = 1024 + ((i * 7919) % 60000);
      const client = `${c.client.split(":")[0]}:${port}`;
      const id = `${client}-${c.server}#${i}`;
      connections.push({ ...c, id, client, stream: connections.length, firstFrame: c.firstFrame + i * 100, lastFrame: c.lastFrame + i * 100 });
      for (const f of base.findings.slice(1)) if (f.connection === c.id) findings.push({ ...f, connection: id, title: `${f.title} (${i})` });
    }
  }
  return { ...base, connections, findings };
}

describe("finding groups", () => {
  it("one group per severity and id with its count and connections; the verdict's cause first, then errors, warnings, notes", () => {
    const f = [
      finding("ENCRYPTED_TRAFFIC", "info", null),
      finding("LOGON_FAILURE", "error", "a"),
      finding("TREE_BAD_NETWORK_NAME", "error", "b"),
      finding("LOGON_FAILURE", "error", "c"),
      finding("CAPTURE_INCOMPLETE", "warning", "a"),
      finding("TREE_BAD_NETWORK_NAME", "error", null, { connections: ["d", "e", "f"] }),
      finding("KDC_UNREACHABLE", "warning", "g"),
      finding("KDC_UNREACHABLE", "error", "h"),
    ];
    const headline = { connections: 8, failed: 6, fallbacks: 0, causes: [
      { cause: "bad share name", causes: "bad share names", count: 4, findingId: "TREE_BAD_NETWORK_NAME" },
      { cause: "logon failure", causes: "logon failures", count: 2, findingId: null, parts: [{ cause: "wrong password", causes: "wrong password", count: 2, findingId: "LOGON_FAILURE" }] },
    ] };
    const g = groupFindings(f, headline);
    expect(g.map((x) => x.key)).toEqual(["error:TREE_BAD_NETWORK_NAME", "error:LOGON_FAILURE", "error:KDC_UNREACHABLE", "warning:CAPTURE_INCOMPLETE", "warning:KDC_UNREACHABLE", "info:ENCRYPTED_TRAFFIC"]);
    expect(g[0]).toMatchObject({ count: 2, connections: 4, occurrences: [2, 5], headlineCause: true });
    expect(g[1]).toMatchObject({ count: 2, connections: 2, occurrences: [1, 3], headlineCause: false });
    // without a headline: severity, then the larger groups, then report order
    expect(groupFindings(f).map((x) => x.key).slice(0, 3)).toEqual(["error:LOGON_FAILURE", "error:TREE_BAD_NETWORK_NAME", "error:KDC_UNREACHABLE"]);
    expect(groupFindings([])).toEqual([]);
  });

  it("the cause of a real capture's verdict comes first", async () => {
    const r = await reportOf(join(FIX, "tree-bad-share.pcap"));
    const g = groupFindings(r.findings, r.headline);
    expect(g[0]).toMatchObject({ id: "TREE_BAD_NETWORK_NAME", headlineCause: true, count: 1 });
    expect(g.reduce((n, x) => n + x.count, 0)).toBe(r.findings.length);
  });
});

describe("report index (the worker's side of the connection table)", () => {
  const r = manyConnections(700); // 2,100 connections
  const idx = new ReportIndex(r);
  const all = connectionsShown(r);
  const ids = (l: { id: string }[]) => l.map((c) => c.id);

  it("sorts and filters as the simple functions do, a window at a time, with the total", () => {
    for (const key of ["outcome", "client", "server", "dialect", "auth", "shares", "failed", "first"] as SortKey[]) {
      for (const dir of [1, -1] as const) {
        const want = ids(sortConnections(all, { key, dir }));
        const got = idx.rows({ offset: 0, count: Infinity, sort: { key, dir }, text: "", outcome: "all" });
        expect(got.total).toBe(all.length);
        expect(ids(got.rows), `${key} ${dir}`).toEqual(want);
        expect(ids(idx.rows({ offset: 1000, count: 25, sort: { key, dir }, text: "", outcome: "all" }).rows)).toEqual(want.slice(1000, 1025));
      }
    }
    const q = { sort: { key: "client" as SortKey, dir: 1 as const }, text: "NOSUCHSHARE 10.99.1.2", outcome: "problems" as const };
    const want = ids(sortConnections(filterConnections(all, q.text, q.outcome), q.sort));
    expect(want.length).toBe(700);
    const page = idx.rows({ ...q, offset: 690, count: 50 });
    expect(page).toMatchObject({ total: 700, offset: 690 });
    expect(ids(page.rows)).toEqual(want.slice(690));
    expect(idx.rows({ ...q, text: "no such words", offset: 0, count: 10 })).toEqual({ rows: [], total: 0, offset: 0 });
    // past the end: an empty window at the end, not an error
    expect(idx.rows({ ...q, offset: 5000, count: 10 })).toMatchObject({ rows: [], total: 700, offset: 700 });
  });

  it("table rows leave the ladder and phases to the connection's own question", () => {
    const row = idx.rows({ offset: 0, count: 1, sort: { key: "first", dir: 1 }, text: "", outcome: "all" }).rows[0];
    expect(row).not.toHaveProperty("ladder");
    expect(row).not.toHaveProperty("phases");
    const one = idx.connection(row.id)!;
    expect(one.connection.ladder).toBeDefined();
    expect(idx.connection("no such id")).toBeNull();
  });

  it("the digest is small and says what the page draws first", () => {
    const d = idx.digest();
    expect(d).toMatchObject({ connections: 2100, problems: 1400, findings: 1401, tone: "error", unusable: false, counts: { error: 1400, warning: 0, info: 1 } });
    expect(d.head.connections).toEqual([]);
    expect(d.head.findings).toEqual([]);
    expect(d.groups.map((g) => [g.id, g.count, g.connections])).toEqual([["TREE_BAD_NETWORK_NAME", 700, 700], ["NEGOTIATE_NO_RESPONSE", 700, 700], ["ENCRYPTED_TRAFFIC", 1, 0]]);
    expect(d.firstConnection?.outcome).toBe("failed");
    expect(d.firstFindings.map((f) => f.id)).toEqual(["TREE_BAD_NETWORK_NAME"]);
    expect(JSON.stringify(d).length).toBeLessThan(20_000);
    const occ = idx.occurrences("error:NEGOTIATE_NO_RESPONSE", 650, 100);
    expect(occ.total).toBe(700);
    expect(occ.rows).toHaveLength(50);
    expect(occ.rows[0].connection?.server).toBe(noResponseConnection.server);
  });

  it("a group past FINDINGS_PER_ID lists the connections of its folded finding an occurrence each (a scan of 1,200 refused connects, crafted: gen.mjs flood frames)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smbscope-occ-"));
    const file = join(dir, "scan.pcap");
    writeFileSync(file, floodPcap(floodFlows(1200, { adversarial: false, port: 445 })));
    const r = await reportOf(file);
    rmSync(dir, { recursive: true, force: true });
    const scan = new ReportIndex(r);
    const g = scan.digest().groups.find((x) => x.key === "error:TCP_REJECTED")!;
    // 20 whole, then the folded one's 1,000 listed connections (the Report lists the first GROUP_CONNECTIONS)
    expect(g).toMatchObject({ count: 1200, connections: 1200, listed: FINDINGS_PER_ID + GROUP_CONNECTIONS });
    const all = scan.occurrences(g.key, 0, Infinity);
    expect(all.total).toBe(g.listed);
    expect(all.rows).toHaveLength(g.listed);
    expect(all.rows.slice(0, FINDINGS_PER_ID).every((o) => !o.folded && o.finding.connection === o.connection?.id)).toBe(true);
    const rest = all.rows.slice(FINDINGS_PER_ID);
    expect(rest.every((o) => o.folded && o.finding.count === 1200 - FINDINGS_PER_ID && o.connection !== null)).toBe(true);
    // each connection once, those of the records, in the folded finding's order
    const ids = all.rows.map((o) => o.connection!.id);
    expect(new Set(ids).size).toBe(ids.length);
    const records = new Set(r.connections.map((c) => c.id));
    expect(ids.every((id) => records.has(id))).toBe(true);
    expect(rest.map((o) => o.connection!.id)).toEqual(r.findings.find((f) => f.id === "TCP_REJECTED" && f.count)!.connections);
    // a window across the boundary: the same rows as the whole list's
    const w = scan.occurrences(g.key, FINDINGS_PER_ID - 3, 7);
    expect(w).toMatchObject({ total: g.listed, offset: FINDINGS_PER_ID - 3 });
    expect(w.rows).toEqual(all.rows.slice(FINDINGS_PER_ID - 3, FINDINGS_PER_ID + 4));
    expect(scan.occurrences(g.key, g.listed - 2, 50).rows).toEqual(all.rows.slice(-2));
  });

  it("prints every connection of a table up to PRINT_ALL_ROWS rows, and only the failing ones of a longer one", () => {
    const q = { sort: { key: "outcome" as SortKey, dir: 1 as const }, text: "", outcome: "all" as const };
    const small = idx.printRows(q);
    expect(small.onlyProblems).toBe(false);
    expect(small.connections.total).toBe(2100);
    expect(small.connections.rows[0].phases).toBeDefined();
    expect(small.occurrences["error:TREE_BAD_NETWORK_NAME"]).toHaveLength(700);
    const big = new ReportIndex(manyConnections(Math.ceil(PRINT_ALL_ROWS / 3) + 1)).printRows(q);
    expect(big.onlyProblems).toBe(true);
    expect(big.connections.rows.every((c) => c.outcome !== "ok")).toBe(true);
    expect(big.connections.total).toBe((Math.ceil(PRINT_ALL_ROWS / 3) + 1) * 2);
  });

  it("a Kerberos session's user is its client principal, in rows and filters", () => {
    const base = sampleReport();
    const krb = { ...okConnection, auth: "kerberos" as const, user: null };
    const rep: Report = { ...base, connections: [krb, badShareConnection], kerberos: [{ frame: 1, transport: "tcp", client: "10.99.1.3", kdc: "10.99.1.1", message: "TGS-REP", error: null, service: "cifs/fs", realm: "CORP.EXAMPLE.TEST", expected: null, cname: "alice", connection: krb.id }] };
    const i = new ReportIndex(rep);
    const got = i.rows({ offset: 0, count: 10, sort: { key: "first", dir: 1 }, text: "alice@corp", outcome: "all" });
    expect(got.rows.map((c) => c.user)).toEqual(["alice@CORP.EXAMPLE.TEST"]);
    expect(i.kerberosRows(0, 10).rows[0].mark).toBeNull();
  });
});

describe("stored form and JSON export", () => {
  it("the JSON is JSON.stringify's, byte for byte, written a list element at a time; the stored form reads back as the same Report", async () => {
    const real = await reportOf(join(FIX, "krb-spn-unknown.pcap"));
    for (const r of [real, sampleReport(), manyConnections(300), { ...sampleReport(), connections: [], findings: [], kerberos: [] }]) {
      expect(await reportJsonBlob(r, 2).text()).toBe(JSON.stringify(r, null, 2));
      expect(await reportJsonBlob(r).text()).toBe(JSON.stringify(r));
      const stored = await compressReport(r);
      expect(await decompressReport(stored)).toEqual(JSON.parse(JSON.stringify(r)));
    }
    const big = manyConnections(3000);
    const stored = await compressReport(big);
    expect(stored.size).toBeLessThan(JSON.stringify(big).length / 8);
  });

  it("a damaged stored form is a clear error, never a half Report", async () => {
    const stored = await compressReport(sampleReport());
    const cut = new Blob([(await stored.arrayBuffer()).slice(0, stored.size - 9)]);
    await expect(decompressReport(cut)).rejects.toThrow(/saved analysis is damaged/);
    await expect(decompressReport(new Blob(["not gzip"]))).rejects.toThrow(/saved analysis is damaged/);
  });
});

describe("the JSON stream (export, stored form)", () => {
  it("streams what JSON.stringify gives, a part per task", async () => {
    const { reportJsonStream } = await import("../src/worker/reportJson");
    const r = manyConnections(2000);
    expect(await new Response(reportJsonStream(r, 2)).text()).toBe(JSON.stringify(r, null, 2));
  });
});
