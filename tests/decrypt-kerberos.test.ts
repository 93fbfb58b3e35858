// The keytab path of issue 18 end to end on a real capture: enc-krb-smb311.pcap (smbclient with
// a Kerberos ticket for cifs/dc1.corp.example.test against a Samba AD DC that requires
// encryption; SMB 3.1.1, AES-128-GCM) and the DC's service keytab (samba-tool domain
// exportkeytab; test-only keys of a domain that existed only while the fixture script ran). From
// the keytab and the two SESSION_SETUP security blobs alone, the session key must be the one
// tshark derived with the same keytab (enc-krb-smb311.session-key.txt), and with it every
// TRANSFORM message must decrypt to the commands, statuses and tree paths of tshark's decrypted
// dump (enc-krb-smb311.decrypted.tshark.tsv); each key on the way must be one tshark shows when
// it decrypts the AP-REQ and AP-REP with that keytab. Then what a user gets with the wrong keytab.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { nbssMessages } from "./support/nbss-stream";
import { kerberosSessionKey, parseKeytab, smb2SecurityBlob, type KeytabEntry } from "../src/core/decrypt/kerberos";
import { parseAuthenticator, parseEncTicketPart, parseSecurityBlob } from "../src/core/decrypt/krb5Messages";
import { krb5Decrypt, KEY_USAGE } from "../src/core/crypto/krb5Crypto";
import { CIPHER, PreauthHash, smb3DecryptionKeys } from "../src/core/decrypt/smb3keys";
import { decryptTransform, parseTransformHeader } from "../src/core/decrypt/transform";
import { toHex } from "./support/hex";

const FIX = join(__dirname, "../fixtures");
const expected = JSON.parse(readFileSync(join(FIX, "enc-krb-smb311.expected.json"), "utf8"));
const keytabBytes = new Uint8Array(readFileSync(join(FIX, "enc-krb-smb311.keytab")));
const [sidHex, keyHex] = readFileSync(join(FIX, "enc-krb-smb311.session-key.txt"), "utf8").trim().split(":");

const IN_CI = !!process.env.CI && process.env.CI !== "false" && process.env.CI !== "0";
const haveTshark = spawnSync("tshark", ["-v"], { stdio: "ignore" }).status === 0;
if (!haveTshark) console.log(`keytab decryption vs tshark ${IN_CI ? "FAIL" : "skipped"}: tshark is not installed (apt-get install tshark)`);

const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const isSmb2 = (b: Uint8Array) => b.length >= 64 && u32(b, 0) === 0x424d53fe;
const isResponse = (b: Uint8Array) => (u32(b, 16) & 1) === 1;

/** The capture's SMB messages: NEGOTIATE and SESSION_SETUP in clear, then TRANSFORM messages. */
function capture() {
  const msgs = nbssMessages(join(FIX, "enc-krb-smb311.pcap"));
  const hash = new PreauthHash();
  let session: PreauthHash | null = null, dialect = 0, cipher = 0;
  let request: Uint8Array | null = null, response: Uint8Array | null = null, sessionId = "";
  for (const { bytes: m } of msgs) {
    if (!isSmb2(m)) continue;
    const cmd = u16(m, 12);
    if (cmd === 0) {
      hash.update(m);
      if (isResponse(m)) {
        dialect = u16(m, 68);
        let o = u32(m, 64 + 60);
        for (let n = u16(m, 64 + 6); n > 0 && o + 8 <= m.length; n--) {
          if (u16(m, o) === 2) cipher = u16(m, o + 10);
          o += (8 + u16(m, o + 2) + 7) & ~7;
        }
      }
    } else if (cmd === 1) {
      session ??= hash.clone();
      if (!isResponse(m)) { request = smb2SecurityBlob(m); session.update(m); }
      else if (u32(m, 8) !== 0) session.update(m);
      else { response = smb2SecurityBlob(m); sessionId = toHex(m.subarray(40, 48)); }
    }
  }
  return { dialect, cipher, session: session!, request: request!, response: response!, sessionId, transforms: msgs.filter((x) => parseTransformHeader(x.bytes) !== null) };
}

const keytab = (): KeytabEntry[] => {
  const k = parseKeytab(keytabBytes, "enc-krb-smb311.keytab");
  if (k.kind !== "keytab") throw new Error(k.why);
  return k.entries;
};

describe("enc-krb-smb311.keytab", () => {
  it("holds the DC's three keys for cifs/dc1.corp.example.test, kvno 1 (aes256, aes128, rc4-hmac, in file order)", () => {
    const k = parseKeytab(keytabBytes);
    expect(k.kind).toBe("keytab");
    if (k.kind !== "keytab") return;
    expect(k.version).toBe(2);
    expect(k.entries.map((e) => [e.principal, e.kvno, e.etype, e.key.length])).toEqual([
      [expected.decryption.secret.principal, 1, 18, 32],
      [expected.decryption.secret.principal, 1, 17, 16],
      [expected.decryption.secret.principal, 1, 23, 16],
    ]);
    expect(k.entries[0].components).toEqual(["cifs", "dc1.corp.example.test"]);
    expect(k.entries[0].realm).toBe("CORP.EXAMPLE.TEST");
    expect(k.entries[0].nameType).toBe(1); // KRB5_NT_PRINCIPAL
  });
});

describe("enc-krb-smb311.pcap with its keytab", () => {
  const c = capture();

  it("is SMB 3.1.1, AES-128-GCM, one Kerberos SESSION_SETUP (AP-REQ, then AP-REP) and TRANSFORM messages", () => {
    expect([c.dialect, c.cipher]).toEqual([0x0311, CIPHER.AES128GCM]);
    expect(c.sessionId).toBe(sidHex);
    const req = parseSecurityBlob(c.request), rep = parseSecurityBlob(c.response);
    expect(req.kind).toBe("ap-req");
    expect(rep.kind).toBe("ap-rep");
    if (req.kind === "ap-req") {
      expect(req.apReq.ticket.sname.parts).toEqual(["cifs", "dc1.corp.example.test"]);
      expect(req.apReq.ticket.realm).toBe("CORP.EXAMPLE.TEST");
      expect(req.apReq.ticket.encPart.kvno).toBe(1);
    }
    expect(c.transforms.length).toBe(expected.decryption.connections[0].transformFrames);
  });

  it("gives the session key tshark derived with the same keytab: the AP-REP subkey, whole", () => {
    const r = kerberosSessionKey(keytab(), c.request, c.response);
    expect(r.kind).toBe("key");
    if (r.kind !== "key") return;
    expect(r.from).toBe("ap-rep-subkey");
    expect(r.principal).toBe("cifs/dc1.corp.example.test@CORP.EXAMPLE.TEST");
    expect(r.client.toLowerCase()).toBe("alice@corp.example.test");
    expect(r.sessionKey.length).toBe(r.etype === 18 ? 32 : 16);
    // tshark's key is the first 16 bytes (MS-SMB2 3.3.5.5.3), what a 128-bit cipher uses
    expect(toHex(r.sessionKey.subarray(0, 16))).toBe(keyHex);
  });

  it.skipIf(!haveTshark && !IN_CI)("each key on the way is one tshark finds with the same keytab (ticket session key, client subkey, AP-REP subkey)", () => {
    expect(haveTshark, "tshark is installed (CI installs it: .ci/run)").toBe(true);
    const t = spawnSync("tshark", ["-r", join(FIX, "enc-krb-smb311.pcap"), "-o", "kerberos.decrypt:TRUE", "-o", `kerberos.file:${join(FIX, "enc-krb-smb311.keytab")}`,
      "-Y", "kerberos", "-T", "fields", "-e", "frame.number", "-e", "kerberos.keyvalue"], { encoding: "utf8" });
    expect(t.status, t.stderr).toBe(0);
    const keys = new Map(t.stdout.trim().split("\n").map((l) => { const [f, v] = l.split("\t"); return [Number(f), v.split(",")]; }));
    // ours, step by step, as kerberosSessionKey takes them
    const req = parseSecurityBlob(c.request);
    if (req.kind !== "ap-req") throw new Error("no AP-REQ");
    const service = keytab().find((k) => k.etype === req.apReq.ticket.encPart.etype)!;
    const tkt = krb5Decrypt(service.etype, service.key, KEY_USAGE.TICKET, req.apReq.ticket.encPart.cipher);
    if (tkt.kind !== "ok") throw new Error("ticket");
    const sessionKey = parseEncTicketPart(tkt.plain).key;
    const auth = krb5Decrypt(req.apReq.authenticator.etype, sessionKey.keyvalue, KEY_USAGE.AP_REQ_AUTHENTICATOR, req.apReq.authenticator.cipher);
    if (auth.kind !== "ok") throw new Error("authenticator");
    const clientSubkey = parseAuthenticator(auth.plain).subkey!;
    const [reqFrame, repFrame] = [...keys.keys()];
    // tshark lists, in the AP-REQ's frame, the ticket's session key, the key of the TGT the client
    // delegated (KRB-CRED in the authenticator's GSS checksum, RFC 4121 4.1.1.1), the client's subkey
    expect(keys.get(reqFrame)).toEqual([toHex(sessionKey.keyvalue), expect.any(String), toHex(clientSubkey.keyvalue)]);
    const r = kerberosSessionKey(keytab(), c.request, c.response);
    expect(r.kind === "key" && toHex(r.sessionKey)).toBe(keys.get(repFrame)![0]);
  });

  it("with that key every TRANSFORM message decrypts to what tshark's decrypted dump shows", () => {
    const r = kerberosSessionKey(keytab(), c.request, c.response);
    if (r.kind !== "key") throw new Error(JSON.stringify(r));
    const keys = smb3DecryptionKeys(c.dialect, c.cipher, r.sessionKey, c.session.digest());
    const dump = new Map<number, string[]>();
    for (const line of readFileSync(join(FIX, "enc-krb-smb311.decrypted.tshark.tsv"), "utf8").split("\n").slice(1).filter(Boolean)) {
      const f = line.split("|");
      dump.set(Number(f[0]), f);
    }
    const trees: string[] = [];
    for (const t of c.transforms) {
      const plain = decryptTransform(t.bytes, t.fromClient ? keys.clientToServer : keys.serverToClient, c.cipher);
      expect(plain, `frame ${t.frame}`).not.toBeNull();
      const row = dump.get(t.frame)!;
      expect(row[13], `frame ${t.frame}: tshark decrypted it`).toBe("yes");
      expect(String(u16(plain!, 12)), `frame ${t.frame} command`).toBe(row[3]);
      if (isResponse(plain!)) expect("0x" + u32(plain!, 8).toString(16).padStart(8, "0"), `frame ${t.frame} status`).toBe(row[5]);
      if (u16(plain!, 12) === 3 && !isResponse(plain!)) {
        const o = u16(plain!, 68), n = u16(plain!, 70);
        const path = String.fromCharCode(...Array.from({ length: n / 2 }, (_, i) => u16(plain!, o + 2 * i)));
        expect(path).toBe(row[7]);
        trees.push(path);
      }
    }
    expect(trees).toEqual(expected.decryption.connections[0].shares.map((s: { path: string }) => s.path));
  });

  it("without the AP-REP (not in the capture) falls back to the authenticator's subkey, which SMB did not use here", () => {
    const r = kerberosSessionKey(keytab(), c.request, null);
    expect(r.kind).toBe("key");
    if (r.kind !== "key") return;
    expect(r.from).toBe("authenticator-subkey");
    expect(toHex(r.sessionKey.subarray(0, 16))).not.toBe(keyHex);
  });

  const ticketEtype = () => { const q = parseSecurityBlob(c.request); return q.kind === "ap-req" ? q.apReq.ticket.encPart.etype : 0; };

  it("a keytab without the ticket's enctype: no-key, naming the enctype it has and the one it needs", () => {
    expect(ticketEtype()).toBe(18); // the DC's strongest key, as Samba's KDC picks it
    const r = kerberosSessionKey(keytab().filter((k) => k.etype !== 18), c.request, c.response);
    expect(r).toMatchObject({ kind: "no-key", principal: "cifs/dc1.corp.example.test@CORP.EXAMPLE.TEST", kvno: 1, etype: 18 });
    if (r.kind === "no-key") expect(r.why).toBe("the keytab has cifs/dc1.corp.example.test@CORP.EXAMPLE.TEST kvno 1 as aes128-cts-hmac-sha1-96, rc4-hmac, but the ticket is encrypted with aes256-cts-hmac-sha1-96");
  });

  it("an older key version: no-key, saying the keytab has kvno 0 only", () => {
    const r = kerberosSessionKey(keytab().map((k) => ({ ...k, kvno: 0, key: k.key.map((x) => x ^ 0x5a) })), c.request, c.response);
    expect(r).toMatchObject({ kind: "no-key", kvno: 1 });
    if (r.kind === "no-key") expect(r.why).toContain("kvno 0 only");
  });

  it("another service's keytab: no-key, naming what it holds", () => {
    const r = kerberosSessionKey(keytab().map((k) => ({ ...k, principal: "HTTP/web.corp.example.test@CORP.EXAMPLE.TEST", key: k.key.map((x) => x ^ 1) })), c.request, c.response);
    expect(r).toMatchObject({ kind: "no-key" });
    if (r.kind === "no-key") expect(r.why).toContain("no key for cifs/dc1.corp.example.test@CORP.EXAMPLE.TEST (it holds HTTP/web.corp.example.test@CORP.EXAMPLE.TEST)");
  });

  it("the same account's keys under another of its names (host/) still open the ticket", () => {
    const r = kerberosSessionKey(keytab().map((k) => ({ ...k, principal: "host/dc1.corp.example.test@CORP.EXAMPLE.TEST" })), c.request, c.response);
    expect(r).toMatchObject({ kind: "key", keytabPrincipal: "host/dc1.corp.example.test@CORP.EXAMPLE.TEST" });
  });

  it("the right name and version with another key (a password changed, kvno kept): bad-key", () => {
    const r = kerberosSessionKey(keytab().map((k) => ({ ...k, key: k.key.map((x) => x ^ 0x80) })), c.request, c.response);
    expect(r).toMatchObject({ kind: "bad-key", principal: "cifs/dc1.corp.example.test@CORP.EXAMPLE.TEST", kvno: 1 });
    if (r.kind === "bad-key") expect(r.why).toContain("integrity check");
  });

  it("an empty keytab: no-key", () => {
    expect(kerberosSessionKey([], c.request, c.response)).toMatchObject({ kind: "no-key", why: expect.stringContaining("holds no keys") });
  });

  it("an NTLM blob or the response blob in place of the request: unsupported, said plainly", () => {
    expect(kerberosSessionKey(keytab(), c.response, null)).toMatchObject({ kind: "unsupported", why: expect.stringContaining("AP-REP, not an AP-REQ") });
    expect(kerberosSessionKey(keytab(), new Uint8Array(0), null)).toMatchObject({ kind: "unsupported" });
  });

  it("hostile blobs: every truncation and many byte flips of both give a result, never a throw", () => {
    const k = keytab();
    const kinds = new Set<string>();
    for (let n = 0; n < c.request.length; n += 1) kinds.add(kerberosSessionKey(k, c.request.subarray(0, n), c.response).kind);
    for (let n = 0; n < c.response.length; n += 1) {
      const r = kerberosSessionKey(k, c.request, c.response.subarray(0, n));
      expect(["key", "unsupported", "bad-key"]).toContain(r.kind);
    }
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 400; i++) {
      const q = c.request.slice(), p = c.response.slice();
      const target = i % 2 ? q : p;
      target[Math.floor(rnd() * target.length)] ^= 1 << Math.floor(rnd() * 8);
      const r = kerberosSessionKey(k, q, p);
      kinds.add(r.kind);
      // a flipped bit never yields a wrong key: the integrity checks catch it, or it was in a field we do not use
      if (r.kind === "key" && r.from === "ap-rep-subkey") expect(toHex(r.sessionKey.subarray(0, 16))).toBe(keyHex);
    }
    expect(kinds.has("unsupported")).toBe(true);
    expect(kinds.has("bad-key") || kinds.has("no-key")).toBe(true);
  });
});
