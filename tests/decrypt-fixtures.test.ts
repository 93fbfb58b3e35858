// Decryption on every real encrypted fixture made for it (fixtures/enc-*.pcap, made by
// scripts/fixtures/encryption.sh: SMB 3.0, 3.0.2 and 3.1.1, each 3.1.1 cipher, server-wide and
// per-share encryption, BAD_NETWORK_NAME and ACCESS_DENIED inside the encryption, a Kerberos session,
// a logon failure): with the fixture's test-only secret, each connection's tree connects are the
// ones of tshark's decrypted dump beside it (X.decrypted.tshark.tsv, tshark -o
// ntlmssp.nt_password / the session key) and of its expected.json, every TRANSFORM message is
// decrypted, and the diagnosis reads them; with a wrong password, "wrong secret" and nothing else
// changes; on the logon failure, the password the client sent matches and the account's does not.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { nodeDecoder } from "../src/cli/wasmNode";
import { analyzeBytes } from "../src/core/analyze";
import { parseSessionKey, type Secrets } from "../src/core/decrypt/secrets";
import { statusLabel } from "../src/core/names";
import type { Report } from "../src/core/report";

const FIX = join(__dirname, "../fixtures");
const files = readdirSync(FIX).filter((f) => /^enc-.*\.expected\.json$/.test(f)).sort();
if (files.length === 0) console.log("decryption fixture tests skipped: no fixtures/enc-*.pcap (made by scripts/fixtures/encryption.sh, branch wip-encfx)");

interface Expected {
  decryption?: {
    secret: { kind: "password" | "keytab" | "session-key"; file?: string; sessionKeyFile?: string };
    connections: { stream: number; shares: { path: string; status: string; requestFrame: number; responseFrame: number }[]; decryptedFrames: number; transformFrames: number }[];
  };
}

const read = (f: string) => readFileSync(join(FIX, f), "utf8").trim();

/** The fixture's secret as a user gives it: its password file, or the session key tshark learnt from its keytab. */
function secretOf(base: string, x: NonNullable<Expected["decryption"]>): Secrets {
  if (x.secret.kind === "password") return { passwords: [read(x.secret.file ?? `${base}.secret.txt`)], sessionKeys: [] };
  const k = parseSessionKey(read(x.secret.sessionKeyFile ?? `${base}.session-key.txt`));
  if ("error" in k) throw new Error(k.error);
  return { passwords: [], sessionKeys: k };
}

/** Tree connects of tshark's decrypted dump: request (frame, path) with its response (frame, status), by message id. */
function dumpTrees(base: string) {
  const [head, ...lines] = read(`${base}.decrypted.tshark.tsv`).split("\n");
  const col = Object.fromEntries(head.split("|").map((h, i) => [h, i]));
  const rows = lines.map((l) => l.split("|"));
  const reqs = rows.filter((r) => r[col["smb2.cmd"]] === "3" && r[col["smb2.flags.response"]] === "0");
  const resps = rows.filter((r) => r[col["smb2.cmd"]] === "3" && r[col["smb2.flags.response"]] === "1");
  return reqs.map((q) => {
    const a = resps.find((r) => r[col["smb2.msg_id"]] === q[col["smb2.msg_id"]] && r[col["tcp.stream"]] === q[col["tcp.stream"]]);
    return {
      stream: Number(q[col["tcp.stream"]]), hidden: q[col.decrypted] !== "", path: q[col["smb2.tree"]], requestFrame: Number(q[col["frame.number"]]),
      status: a ? statusLabel(Number(a[col["smb2.nt_status"]])) : null, responseFrame: a ? Number(a[col["frame.number"]]) : null,
    };
  });
}

describe.skipIf(files.length === 0)("the encrypted fixtures, decrypted", () => {
  it.each(files.map((f) => f.replace(/\.expected\.json$/, "")))("%s", async (base) => {
    const x = (JSON.parse(read(`${base}.expected.json`)) as Expected).decryption;
    expect(x, `${base}.expected.json has no decryption facts`).toBeDefined();
    const bytes = readFileSync(join(FIX, `${base}.pcap`));
    const d = await nodeDecoder();
    const plain = analyzeBytes(d, bytes, `${base}.pcap`);
    const r = analyzeBytes(d, bytes, `${base}.pcap`, secretOf(base, x!));
    const trees = dumpTrees(base);
    for (const ec of x!.connections) {
      const c = r.connections.find((k) => k.stream === ec.stream)!;
      const shares = c.shares.map(({ path, status, requestFrame, responseFrame }) => ({ path, status, requestFrame, responseFrame }));
      expect(shares).toEqual(ec.shares.map(({ path, status, requestFrame, responseFrame }) => ({ path, status, requestFrame, responseFrame })));
      expect(shares).toEqual(trees.filter((t) => t.stream === ec.stream).map(({ stream: _, hidden: __, ...t }) => t));
      const opened = (c.decryption?.sessions ?? []).reduce((n, s) => n + (s.result === "decrypted" ? s.decrypted : 0), 0);
      expect(opened).toBe(ec.decryptedFrames);
      if (ec.transformFrames > 0) {
        expect(c.decryption!.sessions.every((s) => s.result === "decrypted" && s.failed === 0)).toBe(true);
        expect(c.findings).toContain("ENCRYPTED_TRAFFIC_DECRYPTED");
        expect(c.findings).not.toContain("ENCRYPTED_TRAFFIC");
        // without the secret, the tree connects the encryption hid stay hidden (per-share encryption shows them)
        const p = plain.connections.find((k) => k.stream === ec.stream)!;
        const hidden = trees.filter((t) => t.stream === ec.stream && t.hidden).map((t) => t.requestFrame);
        expect(p.shares.filter((s) => hidden.includes(s.requestFrame))).toEqual([]);
        expect(shares.filter((s) => hidden.includes(s.requestFrame)).length).toBe(hidden.length);
      }
    }
    // the diagnosis reads what was decrypted: a failing tree connect inside the encryption is diagnosed
    const failing = x!.connections.flatMap((ec) => ec.shares).filter((s) => s.status !== "STATUS_SUCCESS");
    for (const s of failing) {
      const id = s.status === "STATUS_BAD_NETWORK_NAME" ? "TREE_BAD_NETWORK_NAME" : "TREE_ACCESS_DENIED_PERMISSIONS";
      const f = r.findings.find((k) => k.id === id)!;
      expect(f.frames).toContain(s.responseFrame);
      if (id === "TREE_ACCESS_DENIED_PERMISSIONS") expect(f.explanation).toContain("Permissions, not encryption: this session was encrypted");
    }
    if (x!.secret.kind === "password") {
      // a wrong password: said so, nothing else changes
      const w = analyzeBytes(d, bytes, `${base}.pcap`, { passwords: ["Not-The-Password-1"], sessionKeys: [] });
      const sessions = w.connections.flatMap((c) => c.decryption?.sessions ?? []);
      expect(sessions.every((s) => s.result === "wrong-secret")).toBe(true);
      expect(withoutDecryption(w)).toEqual(withoutDecryption(plain));
    }
  });

  it.skipIf(!existsSync(join(FIX, "enc-wrong-password.account-secret.txt")))("enc-wrong-password: the password the client sent matches, the account's does not", async () => {
    const bytes = readFileSync(join(FIX, "enc-wrong-password.pcap"));
    const d = await nodeDecoder();
    const sent = analyzeBytes(d, bytes, "x", { passwords: [read("enc-wrong-password.secret.txt")], sessionKeys: [] });
    const account = analyzeBytes(d, bytes, "x", { passwords: [read("enc-wrong-password.account-secret.txt")], sessionKeys: [] });
    expect(sent.findings.find((f) => f.id === "LOGON_PASSWORD_CHECK")!.title).toContain("is the one the client sent");
    expect(account.findings.find((f) => f.id === "LOGON_PASSWORD_CHECK")!.title).toContain("is not the one the client sent");
  });
});

/** The Report without connections[].decryption, LOGON_PASSWORD_CHECK and ENCRYPTED_TRAFFIC's texts. */
function withoutDecryption(r: Report): unknown {
  const j = JSON.parse(JSON.stringify(r)) as Report;
  for (const c of j.connections) { delete c.decryption; c.findings = c.findings.filter((f) => f !== "LOGON_PASSWORD_CHECK"); }
  j.findings = j.findings.filter((f) => f.id !== "LOGON_PASSWORD_CHECK");
  for (const f of j.findings) if (f.id === "ENCRYPTED_TRAFFIC") { f.explanation = ""; f.remediation = []; }
  return j;
}
