// The smbscope command as a script sees it: output formats and exit status.
import { describe, it, expect, afterAll } from "vitest";
import { join } from "node:path";
import { writeFileSync, mkdtempSync, readFileSync, createWriteStream, copyFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { main } from "../src/cli/main";
import { renderText } from "../src/cli/render";
import { analyzeCapture } from "../src/core/analyze";
import { fileSource } from "../src/cli/nodeSource";
import { nodeDecoder } from "../src/cli/wasmNode";
import { replaceInPcap, utf16, utf8 } from "./support/craft";
// @ts-expect-error: the bench's generator is plain JavaScript
import { floodFlows, floodPcap } from "../bench/gen.mjs";
import { writeManyFailures } from "./support/manyFailures";
import { TEXT_LINES } from "../src/cli/render";
import type { Report } from "../src/core/report";

const FIX = join(__dirname, "../fixtures");

async function run(args: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = await main(args, (s) => out.push(s), (s) => err.push(s));
  const text = out.join("\n");
  return { code, out: text, err: err.join("\n"), lines: text.split("\n").filter((l) => l.length) };
}

describe("smbscope CLI", () => {
  it("prints the verdict first and exits 1 when a connection failed", async () => {
    const r = await run([join(FIX, "tree-bad-share.pcap")]);
    expect(r.code).toBe(1);
    const verdictLine = r.out.split("\n")[2];
    expect(verdictLine).toContain("tree connect");
    expect(verdictLine).toContain("STATUS_BAD_NETWORK_NAME");
    expect(r.out).toContain("[TREE_BAD_NETWORK_NAME]");
    expect(r.out).toContain("\\\\10.99.1.1\\nosuchshare");
    expect(r.out).not.toContain("\x1b["); // no colour when not on a terminal
  });

  it("exits 0 for a capture whose connections all set up fine", async () => {
    const r = await run([join(FIX, "smb311-ok.pcap")]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("set up fine");
  });

  it("--json prints one Report per file, one per line", async () => {
    const r = await run(["--json", join(FIX, "wrong-password.pcap"), join(FIX, "smb311-ok.pcap")]);
    expect(r.lines).toHaveLength(2);
    const [a, b] = r.lines.map((l) => JSON.parse(l));
    expect(a.version).toBe(1);
    expect(a.capture.file).toBe("wrong-password.pcap");
    expect(a.connections[0].failedPhase).toBe("session_setup");
    expect(a.findings.map((f: { id: string }) => f.id)).toContain("LOGON_FAILURE");
    expect(b.connections[0].outcome).toBe("ok");
    expect(r.code).toBe(1); // the worst of the files
  });

  it("--events prints JSON Lines in frame order", async () => {
    const r = await run(["--events", join(FIX, "tree-bad-share.pcap")]);
    const evs = r.lines.map((l) => JSON.parse(l));
    const smb = evs.filter((e) => e.proto === "smb2");
    expect(smb.length).toBeGreaterThan(10);
    const frames = smb.map((e) => e.frame);
    expect([...frames].sort((x, y) => x - y)).toEqual(frames);
    expect(smb.find((e) => e.statusName === "STATUS_BAD_NETWORK_NAME")).toMatchObject({ cmd: 3, response: true, stream: 0 });
    expect(smb.find((e) => e.tree?.endsWith("nosuchshare"))).toMatchObject({ cmd: 3, response: false });
  });

  it("exits 2 with a clear message for a file that is not a capture", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smbscope-"));
    const p = join(dir, "notes.txt");
    writeFileSync(p, "just some text, not packets\n");
    const r = await run([p]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("notes.txt is not a packet capture");
    const missing = await run([join(dir, "nope.pcap")]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("no such file");
  });

  it("prints the readable report of a SYN scan of 150,000 connections (crafted: each SYN to 445 answered by a reset)", async () => {
    // (150,000 rows: more than a call takes arguments, which once crashed the table's widths)
    const dir = mkdtempSync(join(tmpdir(), "smbscope-"));
    const p = join(dir, "scan.pcap");
    writeFileSync(p, floodPcap(floodFlows(150_000, { adversarial: false, port: 445 })));
    const r = await run([p]);
    rmSync(dir, { recursive: true, force: true });
    expect(r.err).toBe("");
    expect(r.code).toBe(1);
    expect(r.lines[1]).toMatch(/^150,?000 of 150,?000 SMB connections failed at TCP connect/);
    expect(r.lines.filter((l) => /\[[0-9a-f:]+\]:\d+ +\[[0-9a-f:]+\]:445 .* failed +tcp/.test(l))).toHaveLength(150_000);
    // the findings: one card, with the count of them all, a few of its connections and how many more
    const cards = r.lines.filter((l) => /^(ERROR|WARN |INFO ) /.test(l));
    expect(cards).toHaveLength(1);
    expect(cards[0]).toMatch(/\[TCP_REJECTED\]  150,000 times, on 150,000 connections$/);
    const at = r.lines.indexOf("      also:");
    expect(r.lines.slice(at + 1, at + 1 + TEXT_LINES).every((l) => /^ {8}stream \d+  \[[0-9a-f:]+\]:\d+ → \[[0-9a-f:]+\]:445  frames \d+, \d+  \(tcp\.stream eq \d+\)$/.test(l))).toBe(true);
    expect(r.lines[at + 1 + TEXT_LINES]).toBe(`        …and ${(150_000 - 1 - TEXT_LINES).toLocaleString("en-US")} more connections`);
  }, 60_000);
});

// Findings at scale (issue 15): the readable report lists a finding group (severity and id, as
// Wireshark's Expert Info groups) as one card, the group of the verdict's first cause first, with
// the count of its findings and of its connections, its first finding whole and its other
// occurrences a line each, up to TEXT_LINES of them. It once printed FINDINGS_PER_ID cards of the
// same finding and an "…and N more" card, per id.
describe("findings grouped in the readable report", () => {
  const dir = mkdtempSync(join(tmpdir(), "smbscope-groups-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "many-failures.pcap");
  writeManyFailures(file);
  const SEV = { error: "ERROR", warning: "WARN ", info: "INFO " } as const;

  /** The cards: each header line, the lines up to the next card or the connections' table. */
  function cards(text: string): { head: string; body: string[] }[] {
    const out: { head: string; body: string[] }[] = [];
    for (const l of text.slice(0, text.indexOf("\nConnections\n")).split("\n")) {
      if (/^(ERROR|WARN |INFO ) /.test(l)) out.push({ head: l, body: [] });
      else if (out.length && l) out[out.length - 1].body.push(l);
    }
    return out;
  }

  it("one card per severity and id, the verdict's cause first, with its counts, its first finding whole and its other connections a line each (replicated fixtures)", async () => {
    const text = (await run([file])).out;
    const r = JSON.parse((await run(["--json", file])).out) as Report;
    const byStream = new Map(r.connections.map((c) => [c.stream, c]));
    // what each group holds, from the records: the connections with the finding (GUEST_SESSION:
    // an error where the guest logon was refused, the connection failed; a warning where it was taken)
    const groups = new Map<string, Set<number>>();
    for (const c of r.connections) {
      for (const id of c.findings) {
        const severity = id === "GUEST_SESSION" ? (c.outcome === "ok" ? "warning" : "error") : "error";
        const key = `${SEV[severity]} ${id}`;
        if (!groups.has(key)) groups.set(key, new Set());
        groups.get(key)!.add(c.stream);
      }
    }
    expect(groups.size).toBe(5);
    const got = cards(text);
    expect(got.map((c) => `${c.head.slice(0, 5)} ${/\[([A-Z0-9_]+)\]/.exec(c.head)![1]}`).sort()).toEqual([...groups.keys()].sort());
    // first, the group of the verdict's first cause (not the first finding in frame order: a logon failure)
    expect(r.headline!.causes[0].findingId).toBe("TREE_BAD_NETWORK_NAME");
    expect(r.findings[0].id).toBe("LOGON_FAILURE");
    expect(got[0].head).toContain("[TREE_BAD_NETWORK_NAME]");
    expect(text).not.toMatch(/…and \d+ more: /); // no card of the Report's folded finding
    for (const c of got) {
      const key = `${c.head.slice(0, 5)} ${/\[([A-Z0-9_]+)\]/.exec(c.head)![1]}`, streams = groups.get(key)!, n = streams.size;
      expect(n, key).toBeGreaterThan(TEXT_LINES + 50);
      expect(c.head, key).toMatch(new RegExp(`  ${n.toLocaleString("en-US")} times, on ${n.toLocaleString("en-US")} connections$`));
      // the first finding whole, once: its explanation, evidence, connection, what to do
      expect(c.body.filter((l) => l.startsWith("      evidence: ")), key).toHaveLength(1);
      expect(c.body.filter((l) => l === "      what to do:"), key).toHaveLength(1);
      const own = /^ {6}connection: stream (\d+)  /.exec(c.body.find((l) => l.startsWith("      connection: "))!)!;
      // then the others, a connection each (its stream, addresses, frames and filter), and how many more
      const at = c.body.indexOf("      also:");
      const lines = c.body.slice(at + 1);
      expect(lines, key).toHaveLength(TEXT_LINES + 1);
      const seen = new Set([Number(own[1])]);
      for (const l of lines.slice(0, TEXT_LINES)) {
        const m = /^ {8}stream (\d+)  (\S+) → (\S+)  frames [\d, ]+  \(tcp\.stream eq (\d+)\)/.exec(l);
        expect(m, l).not.toBeNull();
        const x = byStream.get(Number(m![1]))!;
        expect([x.client, x.server, Number(m![4])], l).toEqual([m![2], m![3], x.stream]);
        expect(streams.has(x.stream), l).toBe(true);
        seen.add(x.stream);
      }
      expect(seen.size, key).toBe(TEXT_LINES + 1);
      expect(lines[TEXT_LINES], key).toBe(`        …and ${(n - 1 - TEXT_LINES).toLocaleString("en-US")} more connections`);
    }
  }, 120_000);

  it("a group of two findings on one connection (anon-smb3-tree-denied.pcap: IPC$ and public refused)", async () => {
    const text = (await run([join(FIX, "anon-smb3-tree-denied.pcap")])).out;
    const denied = cards(text).filter((c) => c.head.includes("[TREE_ACCESS_DENIED_ANONYMOUS]"));
    expect(denied).toHaveLength(1);
    expect(denied[0].head).toMatch(/Anonymous access to share "IPC\$" refused by 10\.99\.1\.1  \[TREE_ACCESS_DENIED_ANONYMOUS\]  2 times, on 1 connection$/);
    const at = denied[0].body.indexOf("      also:");
    expect(denied[0].body.slice(at + 1)).toEqual(['        stream 0  10.99.1.2:53024 → 10.99.1.1:445  frames 16, 17  (tcp.stream eq 0)  — Anonymous access to share "public" refused by 10.99.1.1']);
    // a finding alone keeps its card as it was: no count
    expect(cards(text).find((c) => c.head.includes("[GUEST_SESSION]"))!.head).toBe("WARN  Anonymous (null) session  [GUEST_SESSION]");
  });
});

describe("streamed JSON", () => {
  it("writes exactly what JSON.stringify would, in pieces", async () => {
    const { writeJson } = await import("../src/cli/jsonStream");
    const { reportOf } = await import("./support/report");
    const r = await reportOf(join(FIX, "tree-bad-share.pcap"));
    // make the arrays long enough to be written in chunks
    const big = { ...r, connections: Array.from({ length: 1201 }, (_, i) => ({ ...r.connections[0], stream: i })) };
    const parts: string[] = [];
    await writeJson(big as unknown as Record<string, unknown>, (s) => { parts.push(s); });
    expect(parts.length).toBeGreaterThan(5);
    expect(parts.join("")).toBe(JSON.stringify(big));
  });

  it("with release, lets each element of a long array go once it is written (the CLI's Report)", async () => {
    const { writeJson } = await import("../src/cli/jsonStream");
    const value = { a: Array.from({ length: 120 }, (_, i) => ({ i, s: "x" })), b: [1, 2], c: { d: null } };
    const expected = JSON.stringify(value);
    const parts: string[] = [];
    await writeJson(value, (s) => { parts.push(s); }, undefined, true);
    expect(parts.join("")).toBe(expected);
    expect(value.a).toHaveLength(120);
    expect(value.a.every((x) => x === undefined)).toBe(true);
    expect(value.b).toEqual([1, 2]); // a short array is written whole and kept
  });

  it("writes a server's long list of failed clients in pieces (a scan: one server, thousands of refused clients)", async () => {
    const { writeJson } = await import("../src/cli/jsonStream");
    const { ServerList } = await import("../src/core/serverList");
    const { reportOf } = await import("./support/report");
    const r = await reportOf(join(FIX, "tcp-rejected.pcap"));
    const c = r.connections[0];
    const list = new ServerList();
    for (let i = 0; i < 3000; i++) list.addRecord({ ...c, client: `192.0.2.${i % 250}:${1024 + i}` });
    list.addRecord({ ...c, server: "198.51.100.7:445" });
    list.done();
    const value = { a: 1, servers: list, b: [2] };
    const parts: string[] = [];
    await writeJson(value, (s) => { parts.push(s); });
    expect(parts.join("")).toBe(JSON.stringify({ a: 1, servers: list.toArray(), b: [2] }));
    // (each piece a bounded text: the whole list in one was 3,000 clients' JSON)
    expect(Math.max(...parts.map((p) => p.length))).toBeLessThan(8000);
  });

  it("waits for the output to drain when it is full", async () => {
    const { writeJson } = await import("../src/cli/jsonStream");
    const value = { a: Array.from({ length: 500 }, (_, i) => ({ i })), b: 1 };
    const parts: string[] = [];
    let waits = 0, inFlight = false;
    // an output that is full after every piece: the writer must never write while it waits
    await writeJson(value, (s) => { expect(inFlight).toBe(false); parts.push(s); return false; },
      async () => { waits++; inFlight = true; await new Promise((r) => setTimeout(r, 1)); inFlight = false; });
    expect(waits).toBe(parts.length);
    expect(parts.join("")).toBe(JSON.stringify(value));
  });

  it("with an output of bytes, writes the long lists' pieces as bytes where they are objects, else as text: JSON.stringify's text either way", async () => {
    const { writeJson } = await import("../src/cli/jsonStream");
    const { utf8JsonTerminalSafe } = await import("../src/cli/terminalText");
    const { reportOf } = await import("./support/report");
    const r = await reportOf(join(FIX, "krb-spn-unknown.pcap"));
    // lists of each kind a piece may hold: objects of the Report's (its Kerberos entries and
    // findings, some with a non-ASCII title: those pieces go as UTF-8), odd values JSON.stringify writes its way
    // (undefined and function fields, huge numbers, a Date's toJSON), a DEL and controls
    // (ASCII, but not terminal-safe as they are: the output refuses those bytes)
    const krb = Array.from({ length: 230 }, (_, i) => ({ ...r.kerberos[i % r.kerberos.length], frame: i, gone: undefined, f: () => 1 }));
    const odd = [2 ** 53, -0, 1e21, 5e-324, NaN, -Infinity, 0.1 + 0.2];
    const value = {
      a: 1,
      kerberos: krb,
      findings: Array.from({ length: 160 }, (_, i) => (i % 60 === 59 ? { ...r.findings[0], title: `${r.findings[0].title} → é` } : r.findings[i % r.findings.length])),
      numbers: Array.from({ length: 130 }, (_, i) => ({ i, n: odd[i % odd.length], s: `s${i}` })),
      scalars: Array.from({ length: 70 }, (_, i) => (i % 3 ? i : `x${i}`)),
      dates: Array.from({ length: 60 }, (_, i) => (i === 55 ? { d: new Date(0) } : { i })),
      del: Array.from({ length: 120 }, (_, i) => ({ user: i === 77 ? "a\x7fb" : i === 108 ? "\x1b[2J\n\u2028" : "u", i })),
      holes: Array.from({ length: 60 }, (_, i) => (i === 57 ? undefined : i === 58 ? null : { i })),
      lone: Array.from({ length: 60 }, (_, i) => ({ s: i === 59 ? "\ud800" : "ok" })),
      b: [2],
    };
    // (texts of the lists' entries, taken before writing lets them go)
    const expected = JSON.stringify(value), krbText = JSON.stringify(krb.slice(200)).slice(1, -1), numbersText = JSON.stringify(value.numbers).slice(1, -1);
    const out: string[] = [], viaBytes: string[] = [];
    // an output that takes terminal-safe bytes (as the CLI's does), read a turn after it is handed them
    const bytes = (b: Buffer, ascii: boolean) => {
      if (!utf8JsonTerminalSafe(b)) return false as const;
      const at = out.push("") - 1, text = b.toString("utf8");
      expect(b.every((x) => x < 0x80)).toBe(ascii);
      viaBytes.push(text);
      return new Promise<void>((done) => setImmediate(() => { out[at] = text; done(); }));
    };
    await writeJson(value, (s) => { out.push(s); }, undefined, true, bytes);
    expect(out.join("")).toBe(expected);
    // the Kerberos entries, the findings (with "→ é" too) and most of the others went as bytes;
    // the pieces with a DEL or a line separator as text, escaped by the output
    const all = viaBytes.join("");
    expect(all).toContain(krbText);
    expect(all).toContain(`${r.findings[0].title} → é`);
    expect(all).toContain(numbersText);
    expect(all).not.toMatch(/\x7f|\u2028/);
    expect(value.kerberos.every((x) => x === undefined)).toBe(true); // let go once written, as without bytes
  });
});

describe("terminal-safe text", () => {
  // of the Latin-1 range, the controls (C0, DEL, C1) and the soft hyphen are invisible or act on
  // the terminal; every other character (é, µ, ü of a capture's names) is printed as it is
  const unsafe = (cp: number) => cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp === 0xad;
  it("escapes exactly the unsafe characters of Latin-1, alone and in ASCII text", async () => {
    const { terminalSafe, jsonTerminalSafe } = await import("../src/cli/terminalText");
    for (let cp = 0; cp < 0x100; cp++) {
      const ch = String.fromCharCode(cp);
      expect(terminalSafe(`a${ch}b`) !== `a${ch}b`, `U+${cp.toString(16)}`).toBe(unsafe(cp));
      if (cp !== 0x0a) expect(jsonTerminalSafe(`"a${ch}"`) !== `"a${ch}"`, `U+${cp.toString(16)}`).toBe(unsafe(cp));
    }
    // JSON Lines: the line feed between documents stays, µ stays, a soft hyphen is escaped
    expect(jsonTerminalSafe('{"a":"\u00b5s"}\n{"b":"\u00ad"}')).toBe('{"a":"\u00b5s"}\n{"b":"\\u00ad"}');
    // above Latin-1: the Unicode classes decide (a bidi override is escaped, a CJK name is not)
    expect(terminalSafe("\u202e\u4e2d")).toBe("\\u202e\u4e2d");
  });

  it("the fast check of JSON.stringify's text escapes what jsonTerminalSafe escapes, whatever a capture's names hold", async () => {
    const { jsonTerminalSafe, stringifiedTerminalSafe } = await import("../src/cli/terminalText");
    const names = ["alice", "\x7f", "a\x7fb", "\x1b]0;X\x07", "\x9b", "\u00ad", "caf\u00e9", "\u202e", "\u2028", "\u2029", "\ud800", "\udfff",
      "\ud83d\ude00", "\udb40\udc01", "\u200b", "\ufeff", "\u4e2d", "\"\\", "\u0000\n\t"];
    for (const n of names) {
      const doc = JSON.stringify({ user: n, [n]: [n, -0, 1.5] });
      expect(stringifiedTerminalSafe(doc), JSON.stringify(n)).toBe(jsonTerminalSafe(doc));
      // JSON Lines: the line feeds between documents stay
      const lines = `${doc}\n${JSON.stringify({ n })}`;
      expect(stringifiedTerminalSafe(lines), JSON.stringify(n)).toBe(jsonTerminalSafe(lines));
    }
    // a DEL in otherwise ASCII text is escaped, not passed as ASCII
    expect(stringifiedTerminalSafe(JSON.stringify("a\x7f"))).toBe('"a\\u007f"');
  });

  it("JSON text's UTF-8 is found safe as it is exactly when jsonTerminalSafe leaves its text as it is, for every character", async () => {
    const { jsonTerminalSafe, utf8JsonTerminalSafe } = await import("../src/cli/terminalText");
    const differ: string[] = [];
    for (let cp = 0x20; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue; // (JSON.stringify escapes a lone surrogate)
      // after a safe character past Latin-1 (the check remembers the last one) and before ASCII
      const doc = JSON.stringify({ s: `\u4e2da${String.fromCodePoint(cp)}b` });
      if (utf8JsonTerminalSafe(Buffer.from(doc, "utf8")) !== (jsonTerminalSafe(doc) === doc)) differ.push(cp.toString(16));
    }
    expect(differ).toEqual([]);
    expect(utf8JsonTerminalSafe(Buffer.from('["\u4e2d","\u202e"]', "utf8"))).toBe(false);
  });
});

// Crafted (no real stack sends these names): real fixtures with the capture's own names rewritten,
// byte for byte the same length, into terminal control sequences.
const OSC_TITLE = "\x1b]0;X\x07"; // sets the terminal's title
const HIDE = "\x1b[8m"; // hides what follows
const hostile = {
  // TREE_CONNECT path, UTF-16LE: "nosuchshare" (11 characters)
  share: `${OSC_TITLE}\u202e${HIDE}`,
  // NTLMSSP AUTHENTICATE (Unicode): user "alice", domain "WORKGROUP", workstation "SMBCLI"
  user: `${HIDE}\n`, // a line feed: no name may start a line of its own
  domain: "\x1b[2J\x1b[H\u2066W",
  host: "\x9b2J\u200b\ufeffS",
  // Kerberos GeneralString (UTF-8): "files" and "corp" of the SPN cifs/files.corp.example.test
  krbHost: `${HIDE}\x07`,
  krbDomain: "\u202e\x1b",
};

function craftedCaptures(dir: string) {
  const fx = (n: string) => new Uint8Array(readFileSync(join(FIX, n)));
  const files = {
    share: join(dir, "crafted-share.pcap"), ntlm: join(dir, "crafted-ntlm.pcap"), krb: join(dir, "crafted-krb.pcap"),
  };
  writeFileSync(files.share, replaceInPcap(fx("tree-bad-share.pcap"), [{ from: utf16("nosuchshare"), to: utf16(hostile.share) }]));
  writeFileSync(files.ntlm, replaceInPcap(fx("wrong-password.pcap"), [
    { from: utf16("alice"), to: utf16(hostile.user) },
    { from: utf16("WORKGROUP"), to: utf16(hostile.domain) },
    { from: utf16("SMBCLI"), to: utf16(hostile.host) },
  ]));
  writeFileSync(files.krb, replaceInPcap(fx("krb-spn-unknown.pcap"), [
    { from: utf8("files"), to: utf8(hostile.krbHost) },
    { from: utf8("corp"), to: utf8(hostile.krbDomain) },
    // and the server name the SMB side used (NETNAME context, tree path), so that the Kerberos
    // request still belongs to the connection (matched on the host's first label)
    { from: utf16("files"), to: utf16(hostile.krbHost) },
  ]));
  return files;
}

// A raw control, bidi or invisible character anywhere in the text (the line feeds between lines excepted)
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;
const noRawControls = (bytes: Buffer) => {
  for (const b of bytes) expect(b === 0x0a || (b >= 0x20 && b !== 0x7f)).toBe(true);
  expect(bytes.toString("utf8")).not.toMatch(RAW);
};

describe("capture strings cannot drive the terminal (crafted captures)", () => {
  const dir = mkdtempSync(join(tmpdir(), "smbscope-tty-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const files = craftedCaptures(dir);

  it("the readable report shows the hostile names escaped, and no raw control byte reaches stdout", async () => {
    const share = await run([files.share]);
    const ntlm = await run([files.ntlm]);
    const krb = await run([files.krb]);
    for (const r of [share, ntlm, krb]) noRawControls(Buffer.from(r.out + "\n"));
    // the names are still there to read, as escapes
    expect(share.out).toContain("\\\\10.99.1.1\\\\x1b]0;X\\x07\\u202e\\x1b[8m"); // in the table and the finding
    expect(share.out).toContain("[TREE_BAD_NETWORK_NAME]");
    expect(ntlm.out).toContain('Logon failed for \\x1b[2J\\x1b[H\\u2066W\\\\x1b[8m\\n: STATUS_LOGON_FAILURE'); // verdict
    expect(ntlm.out).toContain('user "\\x1b[8m\\n" domain "\\x1b[2J\\x1b[H\\u2066W"');
    expect(ntlm.out).toContain('"\\x9b2J\\u200b\\ufeffS"'); // workstation
    expect(ntlm.out).toContain("[LOGON_FAILURE]");
    expect(krb.out).toContain("cifs/\\x1b[8m\\x07.\\u202e\\x1b.example.test");
    expect(krb.out).toContain("[KERBEROS_SPN_UNKNOWN]");
    expect([share.code, ntlm.code, krb.code]).toEqual([1, 1, 1]); // the diagnosis itself is unchanged
  });

  it("with colour on, the only escape sequences are the CLI's own SGR codes", async () => {
    const d = await nodeDecoder();
    for (const f of Object.values(files)) {
      const src = await fileSource(f);
      const text = renderText(await analyzeCapture(d, src), true);
      await src.close();
      expect(text).toContain("\x1b[1;31mERROR\x1b[0m");
      const own = text.replace(/\x1b\[(0|1|2|31|33|36|1;31|1;33)m/g, "");
      noRawControls(Buffer.from(own));
    }
  });

  it("a group's other occurrences, a line each, show their titles escaped too", async () => {
    const d = await nodeDecoder();
    const src = await fileSource(files.share);
    const r = await analyzeCapture(d, src);
    await src.close();
    // (the same finding on a few more connections, each share named as a hostile capture would)
    const f = r.findings.find((x) => x.id === "TREE_BAD_NETWORK_NAME")!;
    const names = [OSC_TITLE, HIDE, `a\nb`, hostile.domain, hostile.host];
    names.forEach((n, i) => {
      const c = { ...r.connections[0], id: `c${i}`, stream: 10 + i, client: `10.99.1.${10 + i}:4000` };
      r.connections.push(c);
      r.findings.push({ ...f, title: `Share "${n}" does not exist`, connection: c.id, frames: [22 + i] });
    });
    for (const color of [false, true]) {
      const text = renderText(r, color);
      noRawControls(Buffer.from(color ? text.replace(/\x1b\[(0|1|2|31|33|36|1;31|1;33)m/g, "") : text));
      expect(text).toContain('        stream 10  10.99.1.10:4000 → 10.99.1.1:445  frame 22  (tcp.stream eq 10)  — Share "\\x1b]0;X\\x07" does not exist');
      expect(text).toContain('(tcp.stream eq 12)  — Share "a\\nb" does not exist');
    }
  });

  it("--json and --events stay JSON that holds the names exactly, with no raw control or bidi character in the text", async () => {
    for (const args of [["--json"], ["--events"]]) {
      const r = await run([...args, files.share, files.ntlm, files.krb]);
      noRawControls(Buffer.from(r.out));
      const docs = r.lines.map((l) => JSON.parse(l));
      const all = JSON.stringify(docs);
      for (const name of [hostile.share, hostile.user, hostile.domain, hostile.host]) expect(all).toContain(JSON.stringify(name).slice(1, -1));
      if (args[0] === "--json") {
        expect(docs[0].connections[0].shares.map((x: { path: string }) => x.path)).toContain(`\\\\10.99.1.1\\${hostile.share}`);
        expect(docs[1].connections[0].user).toBe(`${hostile.domain}\\${hostile.user}`);
      }
    }
  });

  it("a file name with control characters is escaped in the error on stderr", async () => {
    const p = join(dir, "x\x1b]0;pwn\x07.pcap");
    writeFileSync(p, "not a capture at all");
    const r = await run([p]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("x\\x1b]0;pwn\\x07.pcap is not a packet capture");
    noRawControls(Buffer.from(r.err));
  });
});

// The command itself (bin/smbscope.mjs, built by npm test), for what only a real process has:
// standard input, FIFOs, devices.
const BIN = join(__dirname, "../bin/smbscope.mjs");
const ENV = { ...process.env, SMBSCOPE_NO_REEXEC: "1", NO_COLOR: "1" };
function cli(args: string[], opts: { input?: Uint8Array; cwd?: string } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: ENV, timeout: 20_000, maxBuffer: 64 << 20, ...opts });
  return { code: r.status, out: r.stdout.toString(), err: r.stderr.toString(), timedOut: r.error !== undefined };
}

describe("inputs that are not regular files", () => {
  const dir = mkdtempSync(join(tmpdir(), "smbscope-in-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const bytes = readFileSync(join(FIX, "tree-bad-share.pcap"));
  const fromFile = JSON.parse(cli(["--json", join(FIX, "tree-bad-share.pcap")]).out);
  const sameReport = (r: { capture: { file: string } }) => expect({ ...r, capture: { ...r.capture, file: fromFile.capture.file } }).toEqual(fromFile);

  it("`-` reads the capture from standard input: the same Report as from the file", () => {
    const r = cli(["--json", "-"], { input: bytes });
    expect(r.code).toBe(1);
    const rep = JSON.parse(r.out);
    expect(rep.capture.file).toBe("stdin");
    expect(rep.capture.bytes).toBe(bytes.length);
    sameReport(rep);
    const text = cli(["-"], { input: bytes });
    expect(text.code).toBe(1);
    expect(text.out).toContain("STATUS_BAD_NETWORK_NAME");
  });

  it("a FIFO: says it waits for a writer, then reads what is written to it, to its end", async () => {
    const fifo = join(dir, "live.fifo");
    execFileSync("mkfifo", [fifo]);
    const p = spawn(process.execPath, [BIN, "--json", fifo], { env: ENV });
    let out = "", err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    const exited = new Promise<number | null>((res) => p.on("close", res));
    try {
      const t0 = Date.now();
      while (!err.includes("waiting") && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
      expect(err).toContain("live.fifo is a FIFO: waiting for a program to write to it");
      const w = createWriteStream(fifo);
      // in two halves, a moment apart: the reader must not take the first half's end for the file's
      w.write(bytes.subarray(0, 3000));
      await new Promise((r) => setTimeout(r, 300));
      w.end(bytes.subarray(3000));
      expect(await exited).toBe(1);
      sameReport(JSON.parse(out));
    } finally { if (p.exitCode === null) p.kill(); }
  });

  it("/dev/zero and a /proc file: one error at once (not a capture, not 'empty'), exit 2", () => {
    for (const [path, name, first] of [["/dev/zero", "zero", "00 00 00 00"], ["/proc/self/status", "status", "4e 61 6d 65"]]) {
      const t0 = Date.now();
      const r = cli([path]);
      expect(r.timedOut).toBe(false);
      expect(Date.now() - t0).toBeLessThan(15_000);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      const lines = r.err.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^smbscope: ${name} is not a packet capture: at byte offset 0 it starts with ${first} .*Expected a pcap file`));
    }
  });

  it("a file that is not a capture: format unknown, one error and no 'damaged' finding", async () => {
    const p = join(dir, "notes.txt");
    writeFileSync(p, "just some text, not packets\n");
    const j = await run(["--json", p]);
    expect(j.code).toBe(2);
    const rep = JSON.parse(j.out);
    expect(rep.capture.format).toBe("unknown");
    expect(rep.capture.error).toMatch(/^notes\.txt is not a packet capture: at byte offset 0 it starts with 6a 75 73 74 .*Expected a pcap file \(magic a1b2c3d4/);
    expect(rep.findings).toEqual([]);
    const t = await run([p]);
    expect(t.code).toBe(2);
    expect(t.out).toBe("");
    expect(t.err.split("\n")).toEqual([`smbscope: ${rep.capture.error}`]);
  });

  it("`--` ends the options: a file named like an option is read", () => {
    copyFileSync(join(FIX, "tree-bad-share.pcap"), join(dir, "-x.pcap"));
    const bad = cli(["-x.pcap"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("unknown option -x.pcap");
    const r = cli(["--json", "--", "-x.pcap"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).capture.file).toBe("-x.pcap");
  });
});
