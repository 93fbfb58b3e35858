// SMB3 decryption end to end (issue 18), on the real encrypted fixtures (SMB 3.1.1, AES-128-GCM,
// smbclient user alice, password Alice-Pw-1): with the right password the Report shows the tree
// connects tshark's decrypted view shows (-o ntlmssp.nt_password), and --events the same commands
// and statuses in the same frames; with a wrong one it says "wrong secret" and nothing else
// changes; a session key does what the password does (and tshark, given the same key, decrypts
// too); no secret ever appears in --json or --events; a refused logon says whether the password
// given is what the client sent.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { main } from "../src/cli/main";
import { statusLabel } from "../src/core/names";
import { checkNtlmPassword } from "../src/core/decrypt/ntlm";
import { DecryptStage } from "../src/core/decrypt/session";
import { smb3DecryptionKeys, CIPHER } from "../src/core/decrypt/smb3keys";
import { aesCcmEncrypt } from "../src/core/crypto";
import { nodeDecoder } from "../src/cli/wasmNode";
import { analyzeBytes } from "../src/core/analyze";
import type { Report } from "../src/core/report";
import type { RawEvent } from "../src/core/decoder/records";
import * as C from "../assembly/events";
// @ts-ignore plain JS module shared with bench/fuzz.mjs
import { mutate } from "../scripts/fuzz/mutate.mjs";

const FIX = join(__dirname, "../fixtures");
const PASSWORD = "Alice-Pw-1";
const IN_CI = !!process.env.CI && process.env.CI !== "false" && process.env.CI !== "0";
const haveTshark = spawnSync("tshark", ["-v"], { stdio: "ignore" }).status === 0;
if (!haveTshark) console.log(`decryption checks against tshark ${IN_CI ? "FAIL" : "skipped"}: tshark is not installed (apt-get install tshark)`);

const dir = mkdtempSync(join(tmpdir(), "smbscope-decrypt-"));
function passwordFile(...pw: string[]): string {
  const f = join(dir, `pw-${pw.length}-${pw.join("").length}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(f, pw.join("\n") + "\n");
  return f;
}

async function run(args: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = await main(args, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join("\n"), err: err.join("\n") };
}
async function report(file: string, ...args: string[]): Promise<Report> {
  const r = await run(["--json", ...args, join(FIX, file)]);
  expect(r.err).toBe("");
  return JSON.parse(r.out) as Report;
}

/** tshark's decrypted view: every SMB2 message, with the password or session keys given as options. */
function tsharkSmb2(file: string, opts: string[]): { frame: number; cmd: number; response: boolean; status: number | null; tree: string; msgId: string }[] {
  const r = spawnSync("tshark", ["-n", "-r", join(FIX, file), ...opts, "-Y", "smb2.cmd", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|",
    "-e", "frame.number", "-e", "smb2.cmd", "-e", "smb2.flags.response", "-e", "smb2.nt_status", "-e", "smb2.tree", "-e", "smb2.msg_id"], { encoding: "utf8" });
  expect(r.status).toBe(0);
  const rows: ReturnType<typeof tsharkSmb2> = [];
  for (const line of r.stdout.trim().split("\n")) {
    const [frame, cmds, resps, statuses, trees, ids] = line.split("\t");
    const c = cmds.split("|"), rs = resps.split("|"), st = statuses.split("|"), tr = trees.split("|"), id = ids.split("|");
    // one row per message (compounds: several per frame)
    c.forEach((cmd, i) => rows.push({
      frame: Number(frame), cmd: Number(cmd), response: rs[i] === "1" || rs[i] === "True",
      status: st[i] ? Number(st[i]) : null, tree: tr[i] ?? "", msgId: id[i] ?? "",
    }));
  }
  return rows;
}

/** The tree connects of tshark's view: request (frame, path) paired with its response (frame, status) by message id. */
function tsharkTrees(rows: ReturnType<typeof tsharkSmb2>) {
  const resp = new Map(rows.filter((r) => r.cmd === 3 && r.response).map((r) => [r.msgId, r]));
  return rows.filter((r) => r.cmd === 3 && !r.response).map((q) => {
    const a = resp.get(q.msgId);
    return { path: q.tree, status: a ? statusLabel(a.status!) : null, requestFrame: q.frame, responseFrame: a?.frame ?? null };
  });
}

const NT_PASSWORD = ["-o", `ntlmssp.nt_password:${PASSWORD}`];

describe.skipIf(!haveTshark && !IN_CI)("with the right password: what tshark's decrypted view shows", () => {
  it("tshark is installed (CI installs it: .ci/run)", () => { expect(haveTshark).toBe(true); });

  it.each(["encrypt-smb3-global.pcap", "encrypt-smb3.pcap"])("%s: the Report's tree connects are tshark's, and every encrypted message was decrypted", async (file) => {
    const pw = passwordFile(PASSWORD);
    const r = await report(file, "--password-file", pw);
    const c = r.connections[0];
    const expected = tsharkTrees(tsharkSmb2(file, NT_PASSWORD));
    expect(expected.length).toBeGreaterThan(0);
    expect(c.shares.map(({ path, status, requestFrame, responseFrame }) => ({ path, status, requestFrame, responseFrame }))).toEqual(expected);
    const sesid = spawnSync("tshark", ["-n", "-r", join(FIX, file), "-Y", "smb2.cmd == 1 && smb2.flags.response == 1 && smb2.nt_status == 0", "-T", "fields", "-e", "smb2.sesid"], { encoding: "utf8" }).stdout.trim();
    expect(c.decryption?.sessions).toEqual([expect.objectContaining({ sessionId: sesid, user: "WORKGROUP\\alice", secret: "password", result: "decrypted", failed: 0 })]);
    // every TRANSFORM message of the capture
    const transforms = spawnSync("tshark", ["-n", "-r", join(FIX, file), "-Y", "smb2.protocol_id == 0xfd534d42"], { encoding: "utf8" }).stdout.trim().split("\n").length;
    expect(c.decryption!.sessions[0].decrypted).toBe(transforms);
    expect(c.findings).toContain("ENCRYPTED_TRAFFIC_DECRYPTED");
    expect(c.findings).not.toContain("ENCRYPTED_TRAFFIC");
  });

  it("encrypt-smb3-global.pcap: the hidden TREE_CONNECTs appear, read from the decrypted messages", async () => {
    const without = await report("encrypt-smb3-global.pcap");
    expect(without.connections[0].shares).toEqual([]);
    const r = await report("encrypt-smb3-global.pcap", "--password-file", passwordFile(PASSWORD));
    expect(r.connections[0].shares.map((s) => [s.path, s.status, s.decrypted])).toEqual([
      ["\\\\10.99.1.1\\IPC$", "STATUS_SUCCESS", true], ["\\\\10.99.1.1\\public", "STATUS_SUCCESS", true],
    ]);
    expect(r.connections[0].phases.filter((p) => p.phase === "tree_connect").map((p) => [p.requestFrame, p.responseFrame])).toEqual([[14, 15], [20, 21]]);
    const ladder = r.connections[0].ladder!.map((l) => l.label);
    expect(ladder).toContain("TREE_CONNECT request \\\\10.99.1.1\\public (decrypted)");
  });

  it("the text report lists each session decrypted and the kind of secret", async () => {
    const r = await run(["--password-file", passwordFile(PASSWORD), join(FIX, "encrypt-smb3-global.pcap")]);
    expect(r.out).toContain("Decryption\n  stream 0  session 0x00000000fbb66b6c WORKGROUP\\alice  decrypted (password), 24 messages");
    expect(r.out).toContain("[ENCRYPTED_TRAFFIC_DECRYPTED]");
    expect(r.out).toContain("\\\\10.99.1.1\\IPC$, \\\\10.99.1.1\\public");
  });

  it.each(["encrypt-smb3-global.pcap", "encrypt-smb3.pcap"])("%s: --events shows each decrypted message as tshark does (frame, command, response, status, share)", async (file) => {
    const r = await run(["--events", "--password-file", passwordFile(PASSWORD), join(FIX, file)]);
    expect(r.code).toBe(0);
    const evs = r.out.split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const ours = evs.filter((e) => e.proto === "smb2" && e.decrypted).map((e) => ({
      frame: e.frame, cmd: e.cmd, response: e.response, status: (e.status as number | undefined) ?? null, ...(e.cmd === 3 && !e.response ? { tree: e.tree } : {}),
    }));
    const encryptedFrames = new Set(evs.filter((e) => e.proto === "smb2-encrypted").map((e) => e.frame));
    const theirs = tsharkSmb2(file, NT_PASSWORD).filter((t) => encryptedFrames.has(t.frame)).map((t) => ({
      frame: t.frame, cmd: t.cmd, response: t.response, status: t.response ? t.status : null, ...(t.cmd === 3 && !t.response ? { tree: t.tree } : {}),
    }));
    expect(theirs.length).toBe(encryptedFrames.size);
    expect(ours).toEqual(theirs);
  });

  it("a session key does what the password does, and tshark given the same key decrypts the same", async () => {
    // the session key, from the NTLM exchange and the password (MS-NLMP 3.3.2), as an admin would get it
    const key = (await sessionKeyOf("encrypt-smb3-global.pcap", PASSWORD));
    const hex = Buffer.from(key).toString("hex");
    const uat = ["-o", `uat:smb2_seskey_list:6c6bb6fb00000000,${hex},"",""`]; // the id as on the wire (little-endian)
    const viaKey = tsharkTrees(tsharkSmb2("encrypt-smb3-global.pcap", uat));
    expect(viaKey).toEqual(tsharkTrees(tsharkSmb2("encrypt-smb3-global.pcap", NT_PASSWORD)));
    const r = await report("encrypt-smb3-global.pcap", "--session-key", `0x00000000fbb66b6c:${hex}`);
    const c = r.connections[0];
    expect(c.decryption?.sessions[0]).toMatchObject({ secret: "session-key", result: "decrypted", failed: 0 });
    expect(c.shares.map(({ path, status, requestFrame, responseFrame }) => ({ path, status, requestFrame, responseFrame }))).toEqual(viaKey);
    // the Report is the password's, but for the kind of secret
    const byPassword = await report("encrypt-smb3-global.pcap", "--password-file", passwordFile(PASSWORD));
    expect(strip(r, "session-key")).toEqual(strip(byPassword, "password"));
  });
});

describe("a wrong secret says so, and nothing else changes", () => {
  it("wrong password: wrong-secret, the hidden messages stay hidden, the rest of the Report is the same", async () => {
    const plain = await report("encrypt-smb3-global.pcap");
    const r = await report("encrypt-smb3-global.pcap", "--password-file", passwordFile("Alice-Pw-2", "alice"));
    const s = r.connections[0].decryption!.sessions[0];
    expect(s).toMatchObject({ sessionId: "0x00000000fbb66b6c", secret: "password", result: "wrong-secret", decrypted: 0 });
    expect(s.why).toContain("none of the 2 passwords given matches");
    const enc = r.findings.find((f) => f.id === "ENCRYPTED_TRAFFIC")!;
    expect(enc.explanation).toContain("wrong secret");
    // everything but the decryption record and what ENCRYPTED_TRAFFIC says about it
    expect(withoutDecryption(r)).toEqual(withoutDecryption(plain));
  });

  it("wrong session key: wrong-secret, the messages fail to decrypt", async () => {
    const key = (await sessionKeyOf("encrypt-smb3-global.pcap", PASSWORD));
    key[0] ^= 1;
    const r = await report("encrypt-smb3-global.pcap", "--session-key", `fbb66b6c:${Buffer.from(key).toString("hex")}`);
    const s = r.connections[0].decryption!.sessions[0];
    expect(s).toMatchObject({ secret: "session-key", result: "wrong-secret", decrypted: 0 });
    expect(s.failed).toBeGreaterThan(0);
    expect(s.why).toContain("not this session's key");
    expect(r.connections[0].shares).toEqual([]);
  });

  it("a session key for another session: that session has no secret, and the password it needs is named", async () => {
    const r = await report("encrypt-smb3-global.pcap", "--session-key", `0x1234:${"00".repeat(16)}`);
    expect(r.connections[0].decryption!.sessions[0]).toMatchObject({ result: "no-secret" });
    expect(r.connections[0].decryption!.sessions[0].why).toContain("the password of WORKGROUP\\alice");
  });
});

describe("no secret in any output", () => {
  it("--json, --events and the text report never contain the password, the session key or the NT response", async () => {
    const key = Buffer.from((await sessionKeyOf("encrypt-smb3-global.pcap", PASSWORD))).toString("hex");
    const ntResponse = "a085d66d788d6fe1293d242c9a3961e7"; // NTProofStr of frame 12 (tshark ntlmssp.ntlmv2_response.ntproofstr)
    for (const file of ["encrypt-smb3-global.pcap", "encrypt-smb3.pcap", "wrong-password.pcap"]) {
      for (const mode of [["--json"], ["--events"], []]) {
        const pw = await run([...mode, "--password-file", passwordFile(PASSWORD, "not-the-password"), join(FIX, file)]);
        const sk = await run([...mode, "--session-key", `0x00000000fbb66b6c:${key}`, join(FIX, file)]);
        for (const r of [pw, sk]) {
          const all = (r.out + r.err).toLowerCase();
          expect(all.length).toBeGreaterThan(100);
          for (const secret of [PASSWORD, "not-the-password", key, ntResponse]) expect(all).not.toContain(secret.toLowerCase());
        }
      }
    }
  });
});

describe("a refused logon and the password given (LOGON_PASSWORD_CHECK)", () => {
  // wrong-password.pcap: smbclient -U 'alice%not-the-password' against alice whose password is Alice-Pw-1
  it("the password the client sent: it matches, so the account or the server is the question", async () => {
    const r = await report("wrong-password.pcap", "--password-file", passwordFile("guess", "not-the-password"));
    const f = r.findings.find((x) => x.id === "LOGON_PASSWORD_CHECK")!;
    expect(f.title).toBe("The password given is the one the client sent for WORKGROUP\\alice: look at the account, not the password");
    expect(f.explanation).toContain("One of the 2 passwords you gave is exactly what the client used");
    expect(f.frames).toEqual([12, 13]);
    expect(r.findings.map((x) => x.id)).toContain("LOGON_FAILURE"); // still the error it was
    expect(r.verdict).toBe((await report("wrong-password.pcap")).verdict);
  });

  it("the user's real password: the client did not send it (a stale credential, a typo)", async () => {
    const r = await report("wrong-password.pcap", "--password-file", passwordFile(PASSWORD));
    const f = r.findings.find((x) => x.id === "LOGON_PASSWORD_CHECK")!;
    expect(f.title).toBe("The password given is not the one the client sent for WORKGROUP\\alice");
    expect(f.explanation).toContain("it is not the password the client used");
    expect(f.remediation.join(" ")).toContain("cmdkey /list");
  });

  it("without a password there is no such finding", async () => {
    expect((await report("wrong-password.pcap")).findings.map((x) => x.id)).not.toContain("LOGON_PASSWORD_CHECK");
  });
});

describe("CLI secrets: clear errors, never on the command line", () => {
  it("--keytab: a file that is no keytab, or a damaged one, is named with what is wrong where", async () => {
    const notOne = await run(["--keytab", join(FIX, "INDEX.md"), join(FIX, "encrypt-smb3.pcap")]);
    expect(notOne.code).toBe(2);
    expect(notOne.err).toContain("INDEX.md: starts with");
    expect(notOne.err).toContain("not a keytab");
    const cut = join(dir, "cut.keytab");
    writeFileSync(cut, readFileSync(join(FIX, "enc-krb-smb311.keytab")).subarray(0, 100));
    const damaged = await run(["--keytab", cut, join(FIX, "enc-krb-smb311.pcap")]);
    expect(damaged.code).toBe(2);
    expect(damaged.err).toContain("cut.keytab: entry says 103 bytes, 94 left in the file (offset 2)");
    const missing = await run(["--keytab", join(dir, "nope.keytab"), join(FIX, "enc-krb-smb311.pcap")]);
    expect([missing.code, missing.err]).toEqual([2, expect.stringContaining("nope.keytab: no such file")]);
  });
  it("a password as an argument is refused, without echoing it", async () => {
    const r = await run(["--password", "Hunter2-secret", join(FIX, "encrypt-smb3.pcap")]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--password-file");
    expect(r.err).not.toContain("Hunter2-secret");
  });
  it("a malformed session key names the problem, not the key", async () => {
    const r = await run(["--session-key", "0xfbb66b6c:abcdef0123", join(FIX, "encrypt-smb3.pcap")]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("16 or 32 bytes");
    expect(r.err).not.toContain("abcdef0123");
  });
  it("a missing or empty password file", async () => {
    expect((await run(["--password-file", join(dir, "nope"), join(FIX, "encrypt-smb3.pcap")])).err).toContain("no such file");
    const empty = join(dir, "empty");
    writeFileSync(empty, "\n");
    const r = await run(["--password-file", empty, join(FIX, "encrypt-smb3.pcap")]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("holds no password");
  });
});

describe("hostile TRANSFORM messages", () => {
  it("lying OriginalMessageSize, cut and garbage ciphertext: no crash, bounded, the session counts the failures", async () => {
    const bytes = readFileSync(join(FIX, "encrypt-smb3-global.pcap"));
    const d = await nodeDecoder();
    const secrets = { passwords: [PASSWORD], sessionKeys: [] };
    const good = analyzeBytes(d, bytes, "x", secrets);
    // OriginalMessageSize (transform header +36) set to 0xFFFFFFFF, 0 and 1 in every TRANSFORM
    // message; then the ciphertext of each flipped
    for (const mutate of [(m: Uint8Array) => m.set([0xff, 0xff, 0xff, 0xff], 36), (m: Uint8Array) => m.set([0, 0, 0, 0], 36),
      (m: Uint8Array) => m.set([1, 0, 0, 0], 36), (m: Uint8Array) => { m[60] ^= 0xff; }]) {
      const evil = mutateTransforms(bytes, mutate);
      const r = analyzeBytes(d, evil, "x", secrets);
      const s = r.connections[0].decryption!.sessions[0];
      expect(s.decrypted + s.failed).toBe(good.connections[0].decryption!.sessions[0].decrypted);
      expect(d.staticDataChangedAt()).toBe(-1);
    }
  });
});

describe("fuzzing the decryption path", () => {
  it("mutated encrypted captures (bit flips, cut records, NBSS/SMB2 length lies, splices), analysed with the password: no crash, no write outside the decoder's buffers", async () => {
    const seeds = ["encrypt-smb3-global.pcap", "encrypt-smb3.pcap"].map((f) => new Uint8Array(readFileSync(join(FIX, f))));
    const d = await nodeDecoder();
    const secrets = { passwords: [PASSWORD], sessionKeys: [] };
    const N = Number(process.env.FUZZ_DECRYPT_INPUTS ?? 400);
    let decrypted = 0;
    for (let i = 0; i < N; i++) {
      const { bytes } = mutate(seeds, i, 18) as { bytes: Uint8Array };
      let r: Report;
      try { r = analyzeBytes(d, bytes, `fuzz-${i}`, secrets); } catch (e) { throw new Error(`input ${i}: ${(e as Error).message}`); }
      expect(d.staticDataChangedAt(), `input ${i}`).toBe(-1);
      for (const c of r.connections) for (const s of c.decryption?.sessions ?? []) { expect(s.decrypted + s.failed).toBeLessThanOrEqual(10_000); decrypted += s.decrypted; }
    }
    expect(decrypted).toBeGreaterThan(0); // the mutations left most messages decryptable: the path was exercised
  });
});

/** The ExportedSessionKey of the capture's NTLM session, from the password and the captured exchange. */
async function sessionKeyOf(file: string, password: string): Promise<Uint8Array> {
  const d = await nodeDecoder();
  d.setDecrypt(true);
  const evs: RawEvent[] = [];
  d.decodeBytes(readFileSync(join(FIX, file)), evs);
  const chal = evs.find((e) => e.kind === C.EV_SMB2 && e.f.ntlmType === 2)!;
  const auth = evs.find((e) => e.kind === C.EV_SMB2 && e.f.ntlmType === 3)!;
  const r = checkNtlmPassword(password, {
    user: auth.f.ntlmUser as string, domain: auth.f.ntlmDomain as string, serverChallenge: chal.f.ntlmChallenge as Uint8Array,
    ntChallengeResponse: auth.f.ntlmNtResponse as Uint8Array, encryptedRandomSessionKey: auth.f.ntlmSessionKey as Uint8Array, negotiateFlags: auth.f.ntlmFlags as number,
  });
  if (r.kind !== "match") throw new Error(`the password does not match ${file}`);
  return r.exportedSessionKey;
}


/** The Report without what names the secret's kind (so that a password's and a key's compare). */
function strip(r: Report, kind: string): unknown {
  const j = JSON.parse(JSON.stringify(r).split(`"secret":"${kind}"`).join(`"secret":"?"`));
  for (const f of j.findings) f.explanation = f.explanation.replace(kind === "password" ? "the password given" : "the session key given", "the secret given");
  return j;
}

/** The Report without connections[].decryption and ENCRYPTED_TRAFFIC's texts. */
function withoutDecryption(r: Report): unknown {
  const j = JSON.parse(JSON.stringify(r)) as Report;
  for (const c of j.connections) delete c.decryption;
  for (const f of j.findings) if (f.id === "ENCRYPTED_TRAFFIC") { f.explanation = ""; f.remediation = []; }
  return j;
}

/** A copy of a classic pcap with `mutate` applied to each SMB2 TRANSFORM message (NBSS-framed, one per packet here). */
function mutateTransforms(pcap: Uint8Array, mutate: (m: Uint8Array) => void): Uint8Array {
  const b = pcap.slice();
  const dv = new DataView(b.buffer);
  for (let off = 24; off + 16 <= b.length;) {
    const caplen = dv.getUint32(off + 8, true);
    const pkt = off + 16;
    for (let i = pkt; i + 52 <= pkt + caplen; i++) {
      if (b[i] === 0xfd && b[i + 1] === 0x53 && b[i + 2] === 0x4d && b[i + 3] === 0x42) { mutate(b.subarray(i, pkt + caplen)); break; }
    }
    off = pkt + caplen;
  }
  return b;
}

describe("the decrypt stage on a bulk message (crafted: no fixture has one)", () => {
  // SMB 3.0 (AES-128-CCM, no pre-auth hash), a session key given, and a 100 KiB READ response
  // encrypted with the keys MS-SMB2 3.1.4.2 gives that key: what the decoder hands out of a message
  // over 60 KiB is its 52-byte header and 64 bytes (EV_SMB_RAW, F_TRUNCATED), whose SMB2 header the
  // stage decrypts alone (CCM is a counter mode) and hands back; an error response comes whole and
  // is authenticated.
  const SID = 0x11223344n, KEY = new Uint8Array(16).map((_, i) => i + 1);
  const ev = (kind: number, frame: number, fromClient: boolean, f: RawEvent["f"]): RawEvent => ({ kind, kindName: "", frame, tsNs: 1_000_000n * BigInt(frame), tsDigits: 6, stream: 0, fromClient, ipv6: false, f });
  function transform(plain: Uint8Array, nonceByte: number): Uint8Array {
    const keys = smb3DecryptionKeys(0x0300, CIPHER.AES128CCM, KEY, null);
    const m = new Uint8Array(52 + plain.length);
    const dv = new DataView(m.buffer);
    m.set([0xfd, 0x53, 0x4d, 0x42]);
    m.fill(nonceByte, 20, 31);
    dv.setUint32(36, plain.length, true);
    dv.setUint16(42, 1, true);
    dv.setBigUint64(44, SID, true);
    const { ciphertext, tag } = aesCcmEncrypt(keys.serverToClient, m.subarray(20, 31), m.subarray(20, 52), plain);
    m.set(tag, 4);
    m.set(ciphertext, 52);
    return m;
  }
  const smb2 = (cmd: number, status: number, bodyLen: number) => {
    const b = new Uint8Array(64 + bodyLen);
    const dv = new DataView(b.buffer);
    b.set([0xfe, 0x53, 0x4d, 0x42]); dv.setUint16(4, 64, true);
    dv.setUint32(8, status, true); dv.setUint16(12, cmd, true); dv.setUint32(16, 1, true); // response
    dv.setBigUint64(24, 7n, true); dv.setBigUint64(40, SID, true);
    dv.setUint16(64, status ? 9 : 17, true);
    return b;
  };

  it("a 100 KiB READ response: its header decrypted from the first 64 bytes; an error response decrypted whole and authenticated", async () => {
    const d = await nodeDecoder();
    d.setDecrypt(true);
    const out: RawEvent[] = [];
    const stage = new DecryptStage(d, { passwords: [], sessionKeys: [{ sessionId: SID, key: KEY }] }, { push: (e: RawEvent) => out.push(e) });
    stage.push(ev(C.EV_FLOW, 1, true, { flowProto: C.FLOWP_SMB }));
    stage.push(ev(C.EV_SMB2, 2, false, { cmd: 0, response: 1, status: 0, dialect: 0x0300, msgId: 0n }));
    stage.push(ev(C.EV_SMB2, 3, true, { cmd: 1, response: 0, sessionId: 0n, msgId: 1n }));
    stage.push(ev(C.EV_SMB2, 4, false, { cmd: 1, response: 1, status: 0, sessionId: SID, msgId: 1n }));
    const bulk = transform(smb2(8, 0, 100 << 10), 1);
    stage.push(ev(C.EV_SMB_TRANSFORM, 5, false, { sessionId: SID }));
    stage.push(ev(C.EV_SMB_RAW, 5, false, { len: bulk.length, truncated: 1, raw: bulk.slice(0, 52 + 64) }));
    const err = transform(smb2(8, 0xc0000022, 9), 2);
    stage.push(ev(C.EV_SMB_TRANSFORM, 6, false, { sessionId: SID }));
    stage.push(ev(C.EV_SMB_RAW, 6, false, { len: err.length, raw: err }));
    const tampered = err.slice(); tampered[60] ^= 1; // the tag no longer matches
    stage.push(ev(C.EV_SMB_TRANSFORM, 7, false, { sessionId: SID }));
    stage.push(ev(C.EV_SMB_RAW, 7, false, { len: tampered.length, raw: tampered }));
    const read = out.filter((e) => e.kind === C.EV_SMB2 && e.decrypted);
    expect(read.map((e) => [e.frame, e.f.cmd, e.f.status, e.f.truncated])).toEqual([[5, 8, 0, 1], [6, 8, 0xc0000022, undefined]]);
    expect(out.filter((e) => e.kind === C.EV_SMB_RAW)).toEqual([]); // the stage's own records go no further
    const m = { connections: [{ stream: 0, sessions: [] }] } as unknown as Parameters<DecryptStage["attach"]>[0];
    stage.attach(m);
    expect((m.connections[0] as unknown as { decryption: unknown }).decryption).toEqual({ sessions: [
      { sessionId: "0x0000000011223344", user: null, secret: "session-key", result: "decrypted", decrypted: 2, failed: 1,
        why: "1 of its 3 encrypted messages did not decrypt (first in frame 7): damaged in the capture, or not this session's" },
    ] });
  });
});
