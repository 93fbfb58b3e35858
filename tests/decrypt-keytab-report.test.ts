// The keytab wired into the analysis (issue 18): enc-krb-smb311.pcap (a real Kerberos session,
// SMB 3.1.1 encrypted server-wide by a Samba AD DC) analysed with its service keytab alone, as
// `smbscope --keytab FILE` and the page's Decrypt panel do. The Report must show the tree
// connects tshark's decrypted dump shows (enc-krb-smb311.decrypted.tshark.tsv: IPC$ and netlogon,
// with their frames and statuses), mark the session decrypted with secret "keytab" and name its
// Kerberos client, and hold no key. A keytab of the wrong key says so and changes nothing else;
// a keytab for another service says which key it lacks.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { nodeDecoder } from "../src/cli/wasmNode";
import { analyzeBytes } from "../src/core/analyze";
import { main } from "../src/cli/main";
import { keytabEntries, parseKeytab } from "../src/core/decrypt/keytab";
import { statusLabel } from "../src/core/names";
import type { Report } from "../src/core/report";
import type { Secrets } from "../src/core/decrypt/secrets";

const FIX = join(__dirname, "../fixtures");
const BASE = "enc-krb-smb311";
const pcap = readFileSync(join(FIX, `${BASE}.pcap`));
const keytabFile = join(FIX, `${BASE}.keytab`);
const keytabBytes = new Uint8Array(readFileSync(keytabFile));
const expected = JSON.parse(readFileSync(join(FIX, `${BASE}.expected.json`), "utf8"));
const [, sessionKeyHex] = readFileSync(join(FIX, `${BASE}.session-key.txt`), "utf8").trim().split(":");

const secrets = (bytes = keytabBytes): Secrets => {
  const k = keytabEntries([{ name: "x.keytab", bytes }]);
  if ("error" in k) throw new Error(k.error);
  return { passwords: [], sessionKeys: [], keytabs: k };
};

/** The tree connects of tshark's decrypted dump: request frame and path, the response's frame and status (by msg_id). */
function dumpTrees() {
  const [head, ...lines] = readFileSync(join(FIX, `${BASE}.decrypted.tshark.tsv`), "utf8").trim().split("\n");
  const col = Object.fromEntries(head.split("|").map((h, i) => [h, i]));
  const rows = lines.map((l) => l.split("|"));
  const tc = (resp: string) => rows.filter((r) => r[col["smb2.cmd"]] === "3" && r[col["smb2.flags.response"]] === resp);
  return tc("0").map((q) => {
    const a = tc("1").find((r) => r[col["smb2.msg_id"]] === q[col["smb2.msg_id"]])!;
    return { path: q[col["smb2.tree"]], status: statusLabel(Number(a[col["smb2.nt_status"]])), requestFrame: Number(q[col["frame.number"]]), responseFrame: Number(a[col["frame.number"]]) };
  });
}

/** Every hex string of 16 bytes or more, and every byte array, in the Report: none may be a key. */
const keyBytesOf = (r: Report) => JSON.stringify(r);

describe(`${BASE}.pcap analysed with its keytab`, () => {
  it("shows the tree connects tshark's decrypted dump shows, decrypted with the keytab, and no key", async () => {
    const d = await nodeDecoder();
    const plain = analyzeBytes(d, pcap, `${BASE}.pcap`);
    const r = analyzeBytes(d, pcap, `${BASE}.pcap`, secrets());
    const c = r.connections[0];
    const shares = c.shares.map(({ path, status, requestFrame, responseFrame }) => ({ path, status, requestFrame, responseFrame }));
    expect(shares).toEqual(dumpTrees());
    expect(shares.map((s) => s.path)).toEqual(expected.decryption.connections[0].shares.map((s: { path: string }) => s.path));
    expect(plain.connections[0].shares).toEqual([]); // without it, encryption hides them
    expect(c.decryption!.sessions).toEqual([{ sessionId: expected.decryption.secret.sessionKey.sessionId, user: "alice@CORP.EXAMPLE.TEST", secret: "keytab", result: "decrypted", decrypted: 24, failed: 0 }]);
    expect(c.findings).toContain("ENCRYPTED_TRAFFIC_DECRYPTED");
    expect(c.findings).not.toContain("ENCRYPTED_TRAFFIC");
    const f = r.findings.find((x) => x.id === "ENCRYPTED_TRAFFIC_DECRYPTED")!;
    expect(f.explanation).toContain("the keytab given for session 0x00000000d5aebe26 (alice@CORP.EXAMPLE.TEST)");
    expect((f.references ?? []).join(" ")).toContain("MS-KILE 3.1.1.2");
    // no key in the Report: not the session key, not any key of the keytab
    const text = keyBytesOf(r);
    expect(text).not.toContain(sessionKeyHex);
    const kt = parseKeytab(keytabBytes);
    if (kt.kind !== "keytab") throw new Error("keytab");
    for (const e of kt.entries) expect(text).not.toContain(Buffer.from(e.key).toString("hex"));
  });

  it("the same with the session key tshark derived: the keytab's report is that one but for the secret's kind and the user", async () => {
    const d = await nodeDecoder();
    const byKeytab = analyzeBytes(d, pcap, `${BASE}.pcap`, secrets());
    const byKey = analyzeBytes(d, pcap, `${BASE}.pcap`, { passwords: [], sessionKeys: [{ sessionId: 0xd5aebe26n, key: Buffer.from(sessionKeyHex, "hex") }] });
    expect(byKeytab.connections[0].shares).toEqual(byKey.connections[0].shares);
    expect(byKeytab.connections[0].phases).toEqual(byKey.connections[0].phases);
    expect(byKey.connections[0].decryption!.sessions[0]).toMatchObject({ secret: "session-key", result: "decrypted", decrypted: 24 });
  });

  it("a keytab with the right name and version but another key: wrong secret, said plainly; nothing else changes", async () => {
    const d = await nodeDecoder();
    const wrong = keytabBytes.slice();
    wrong[75] ^= 1; // inside the first (aes256) key
    const plain = analyzeBytes(d, pcap, `${BASE}.pcap`);
    const r = analyzeBytes(d, pcap, `${BASE}.pcap`, secrets(wrong));
    const s = r.connections[0].decryption!.sessions[0];
    expect(s).toMatchObject({ secret: "keytab", result: "wrong-secret", decrypted: 0 });
    expect(s.why).toContain("fails the ticket's integrity check");
    expect(r.connections[0].shares).toEqual(plain.connections[0].shares);
    expect(r.findings.find((x) => x.id === "ENCRYPTED_TRAFFIC")!.explanation).toContain("wrong secret, the keytab's aes256-cts-hmac-sha1-96 key for cifs/dc1.corp.example.test@CORP.EXAMPLE.TEST (kvno 1)");
  });

  it("a keytab without the ticket's enctype says which it has and which the ticket needs", async () => {
    const d = await nodeDecoder();
    const k = secrets();
    k.keytabs = k.keytabs!.filter((e) => e.etype !== 18);
    const s = analyzeBytes(d, pcap, `${BASE}.pcap`, k).connections[0].decryption!.sessions[0];
    expect(s).toMatchObject({ secret: "keytab", result: "wrong-secret" });
    expect(s.why).toBe("the keytab has cifs/dc1.corp.example.test@CORP.EXAMPLE.TEST kvno 1 as aes128-cts-hmac-sha1-96, rc4-hmac, but the ticket is encrypted with aes256-cts-hmac-sha1-96");
  });

  it("smbscope --keytab FILE (given twice, and beside a password file): the same Report; the text output names the secret's kind", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smbscope-keytab-"));
    const pw = join(dir, "pw.txt");
    writeFileSync(pw, "Not-Alice-1\n");
    const run = async (args: string[]) => {
      const out: string[] = [], err: string[] = [];
      const code = await main(args, (s) => out.push(s), (s) => err.push(s));
      return { code, out: out.join("\n"), err: err.join("\n") };
    };
    const j = await run(["--json", "--keytab", keytabFile, `--keytab=${keytabFile}`, "--password-file", pw, join(FIX, `${BASE}.pcap`)]);
    expect([j.code, j.err]).toEqual([0, ""]);
    const rep = JSON.parse(j.out) as Report;
    expect(rep.connections[0].shares.map((s) => s.path)).toEqual(dumpTrees().map((t) => t.path));
    expect(rep.connections[0].decryption!.sessions[0]).toMatchObject({ secret: "keytab", result: "decrypted" });
    const t = await run(["--keytab", keytabFile, join(FIX, `${BASE}.pcap`)]);
    expect(t.out).toContain("decrypted (keytab), 24 messages");
    expect(t.out).not.toContain(sessionKeyHex);
  });
});
