// The auth decoders (SPNEGO, NTLMSSP, Kerberos) agree with tshark, frame by frame, on every
// capture that has a tshark dump: the third-party corpus (../shared/corpus) and every fixture in
// fixtures/ (globbed when the test runs, so new captures are covered as they appear).
//
// Compared per frame, in tshark's order: ntlmssp.messagetype, ntlmssp.auth.username / domain /
// hostname, kerberos.msg_type (nested messages included: a TGS-REQ is "12,14"),
// kerberos.error_code, kerberos.realm, kerberos.CNameString, kerberos.SNameString and, where the
// dump has it, spnego.negResult.
//
// Scope: the decoder reads security blobs of SMB NEGOTIATE / SESSION_SETUP and Kerberos on port 88.
// NTLM or Kerberos carried by LDAP, DCE-RPC, DNS or RPC over SMB pipes is not decoded, so such frames
// are counted and skipped (printed), not compared.
import { describe, it, expect } from "vitest";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { decodeFile } from "./support/decode";
import { readTsv, num, type TsharkRow } from "./support/tshark";
import { eventView } from "../src/core/eventsView";
import type { RawEvent } from "../src/core/decoder/records";
import * as C from "../assembly/events";

const CORPUS = join(__dirname, "../../shared/corpus");
const FIXTURES = join(__dirname, "../fixtures");

interface Capture { name: string; path: string; tsv: string }

function captures(): Capture[] {
  const out: Capture[] = [];
  if (existsSync(join(CORPUS, "index.json"))) {
    for (const e of JSON.parse(readFileSync(join(CORPUS, "index.json"), "utf8")) as { file: string }[]) {
      const tsv = join(CORPUS, e.file.replace(/\.pcapn?g?$/, ".tshark.tsv"));
      if (existsSync(tsv)) out.push({ name: e.file, path: join(CORPUS, e.file), tsv });
    }
  } else console.log(`auth-tshark: corpus skipped: ${CORPUS} is absent`);
  if (existsSync(FIXTURES)) {
    for (const f of readdirSync(FIXTURES).sort()) {
      if (!/\.pcap(ng)?$/.test(f)) continue;
      const tsv = join(FIXTURES, f.replace(/\.pcapn?g?$/, ".tshark.tsv"));
      if (existsSync(tsv)) out.push({ name: `fixtures/${f}`, path: join(FIXTURES, f), tsv });
    }
  }
  return out;
}

// Captures where we knowingly see more than tshark, and why.
const TSHARK_SILENT: Record<string, string> = {
  "zeek/krb/error-preauth-padata.pcap":
    "synthetic KRB-ERROR without pvno/msg-type: tshark stops at the BER error; we decode error-code 25 tolerantly, as Zeek does",
};

// tshark renders an empty NTLM user / domain / host as "NULL".
const ntlmStr = (s: unknown) => (s === "" ? "NULL" : String(s));
const components = (principal: string) => (principal === "" ? [] : principal.split("/"));

const PA_PK_AS_REQ = 16; // RFC 4556 3.2.1

interface Facts {
  ntlm: number[]; user: string[]; domain: string[]; host: string[];
  krb: number[]; err: number[]; realm: string[]; cname: string[]; sname: string[]; neg: number[];
  pkinit?: boolean;
}
const emptyFacts = (): Facts => ({ ntlm: [], user: [], domain: [], host: [], krb: [], err: [], realm: [], cname: [], sname: [], neg: [] });
const FACT_KEYS = Object.keys(emptyFacts()) as (keyof Omit<Facts, "pkinit">)[];

/** Our facts of one frame, from the --events view of its SMB and Kerberos events. */
function ours(evs: RawEvent[]): Facts {
  const f = emptyFacts();
  for (const ev of evs) {
    const o = eventView(ev, "x");
    if (!o) continue;
    if (o.ntlm !== undefined) f.ntlm.push(ev.f.ntlmType as number);
    if (ev.f.ntlmType === 3) {
      f.user.push(ntlmStr(o.user ?? "")); f.domain.push(ntlmStr(o.domain ?? "")); f.host.push(ntlmStr(o.host ?? ""));
    }
    if (o.msgType !== undefined) f.krb.push(...((o.msgTypes as number[] | undefined) ?? [o.msgType as number]));
    if (o.errorCode !== undefined) f.err.push(o.errorCode as number);
    for (const r of (o.realms as string[] | undefined) ?? []) f.realm.push(r);
    for (const c of (o.cnames as string[] | undefined) ?? []) f.cname.push(...components(c));
    for (const s of (o.snames as string[] | undefined) ?? []) f.sname.push(...components(s));
    if (ev.f.negState !== undefined) f.neg.push(ev.f.negState as number);
    if (((o.padata as number[] | undefined) ?? []).includes(PA_PK_AS_REQ)) f.pkinit = true;
  }
  return f;
}

function theirs(row: TsharkRow): Facts {
  const g = (k: string) => row[k] ?? [];
  return {
    ntlm: g("ntlmssp.messagetype").map(num), user: g("ntlmssp.auth.username"), domain: g("ntlmssp.auth.domain"),
    host: g("ntlmssp.auth.hostname"), krb: g("kerberos.msg_type").map(num), err: g("kerberos.error_code").map(num),
    realm: g("kerberos.realm"), cname: g("kerberos.CNameString"), sname: g("kerberos.SNameString"),
    neg: g("spnego.negResult").map(num),
  };
}

/** Frames whose auth content the decoder is meant to see: SMB NEGOTIATE / SESSION_SETUP, Kerberos on 88. */
function inScope(row: TsharkRow): boolean {
  const ports = [...(row["tcp.srcport"] ?? []), ...(row["tcp.dstport"] ?? [])].map(Number);
  if (ports.includes(88)) return true;
  // UDP Kerberos in these dumps is always port 88 (the dump has no udp.port column)
  if ((row["tcp.stream"] ?? []).length === 0 && (row["udp.stream"] ?? []).length > 0) return true;
  if ((row["smb2.cmd"] ?? []).map(num).some((c) => c === 0 || c === 1)) return true;
  return (row["smb.cmd"] ?? []).map(num).some((c) => c === 0x72 || c === 0x73);
}

const hasAuth = (f: Facts) => f.ntlm.length + f.krb.length + f.neg.length > 0;

const list = captures();

describe("auth fields agree with tshark", () => {
  if (list.length === 0) it.skip("no captures with tshark dumps", () => {});
  for (const cap of list) {
    it(cap.name, async () => {
      const rows = readTsv(cap.tsv);
      const hasNeg = readFileSync(cap.tsv, "utf8").split("\n", 1)[0].split("|").includes("spnego.negResult");
      const events = await decodeFile(cap.path);
      const byFrame = new Map<number, RawEvent[]>();
      for (const e of events) {
        if (e.kind !== C.EV_SMB1 && e.kind !== C.EV_SMB2 && e.kind !== C.EV_KRB) continue;
        let l = byFrame.get(e.frame);
        if (!l) byFrame.set(e.frame, (l = []));
        l.push(e);
      }
      const mismatches: { frame: number; what: string; ours: unknown; tshark: unknown }[] = [];
      let skipped = 0;
      const notes = new Map<string, number[]>();
      const note = (what: string, frame: number) => { const l = notes.get(what) ?? []; l.push(frame); notes.set(what, l); };
      const summary = events.find((e) => e.kind === C.EV_SUMMARY);
      const fragments = Number(summary?.f.ipFragments ?? 0n);
      const frames = new Set<number>([...rows.keys(), ...byFrame.keys()]);
      // ICMP errors quoting a Kerberos request (the fixture's expected.json lists them): tshark
      // decodes the quoted bytes as Kerberos; they are part of the error, not a message
      const expFile = cap.tsv.replace(/\.tshark\.tsv$/, ".expected.json");
      const icmp = new Set(existsSync(expFile) ? String(JSON.parse(readFileSync(expFile, "utf8")).icmpFrames ?? "").split(",").filter(Boolean).map(Number) : []);
      for (const frame of [...frames].sort((a, b) => a - b)) {
        const row = rows.get(frame);
        const o = ours(byFrame.get(frame) ?? []);
        if (!row) {
          if (hasAuth(o) && !TSHARK_SILENT[cap.name]) mismatches.push({ frame, what: "auth fields tshark does not see", ours: o, tshark: null });
          continue;
        }
        // An ICMP error quoting a Kerberos request (two IP headers: the ICMP's and the quoted one):
        // tshark dissects the quote again; the decoder reads only its headers (EV_ICMP, compared
        // with tshark in tests/auth-ending.test.ts) and rightly counts no new Kerberos message.
        if ((row["ip.src"] ?? []).length === 2 && !hasAuth(o)) { note("Kerberos quoted inside an ICMP error not compared", frame); continue; }
        const t = theirs(row);
        if (icmp.has(frame) && !hasAuth(o)) { note("Kerberos quoted in an ICMP error, not a message", frame); continue; }
        if (!inScope(row)) { if (hasAuth(t)) skipped++; continue; }
        if (TSHARK_SILENT[cap.name] && !hasAuth(t)) continue;
        if (!hasNeg) { t.neg = []; o.neg = []; }
        // A UDP datagram that tshark put together from IP fragments: the network layer does not
        // reassemble IP fragments yet (assembly/net/packet.ts), so the decoder never sees it whole.
        if (fragments > 0 && !hasAuth(o) && (row["tcp.stream"] ?? []).length === 0 && t.krb.length > 0) {
          note("IP-fragmented UDP Kerberos not compared (no IP reassembly yet)", frame);
          continue;
        }
        // PKINIT: tshark also lists the realm of the KRB5PrincipalName in the client certificate's
        // SAN (RFC 4556 3.2.2, inside the CMS SignedData of PA-PK-AS-REQ), which this decoder does
        // not open. Padata precede req-body, so our realms must be the end of tshark's list.
        if (o.pkinit && t.realm.length > o.realm.length) {
          note("PKINIT certificate realms in tshark's kerberos.realm not compared", frame);
          t.realm = t.realm.slice(t.realm.length - o.realm.length);
        }
        for (const k of FACT_KEYS) {
          if (JSON.stringify(o[k]) !== JSON.stringify(t[k])) mismatches.push({ frame, what: k, ours: o[k], tshark: t[k] });
        }
      }
      if (skipped) console.log(`${cap.name}: ${skipped} frame(s) with NTLM/Kerberos outside SMB setup and port 88, not compared`);
      if (TSHARK_SILENT[cap.name]) console.log(`${cap.name}: ${TSHARK_SILENT[cap.name]}`);
      for (const [n, fr] of notes) console.log(`${cap.name}: ${n}: frames ${fr.join(",")}`);
      expect(mismatches.slice(0, 10)).toEqual([]);
    });
  }
});
