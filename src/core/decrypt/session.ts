// The decrypt stage (issue 18): between the decoder's events and the model. With the secrets the
// user gave (passwords, session keys, keytabs), it follows each SMB connection's NEGOTIATE (dialect,
// cipher, the 3.1.1 pre-auth integrity hash) and each session's SESSION_SETUP (the NTLM exchange),
// checks every password against every NTLMv2 response, takes a Kerberos session's key from its
// AP-REQ and AP-REP with the keytabs given (kerberos.ts), derives the session's keys, decrypts its
// TRANSFORM messages and hands the plaintext back to the wasm's SMB2 decoder
// (Decoder.decodePlain), so that the model and the diagnosis see those messages as if they had
// been sent in the clear. The secrets never leave this object, which forgets them (drop()) when
// the analysis ends; only the kind of secret that worked is reported, never the secret.
//
// What is decrypted: every TRANSFORM message's SMB2 header (a counter mode decrypts its first bytes
// alone); whole, and authenticated, the messages the diagnosis reads whole (setup commands, error
// responses, compound chains), as the reassembler keeps exactly those whole in the clear
// (assembly/proto/smb.ts smbKeep). Bulk READ/WRITE payload is never decrypted.
import * as C from "../../../assembly/events";
import * as W from "../../../assembly/wire";
import type { Decoder } from "../decoder/wasm";
import type { EventSink, RawEvent } from "../decoder/records";
import { hex64 } from "../eventsView";
import { checkNtlmPassword, type NtlmCaptured } from "./ntlm";
import { smb3DecryptionKeys, PreauthHash, CIPHER } from "./smb3keys";
import { decryptTransform, peekTransform, TRANSFORM_HEADER_SIZE } from "./transform";
import type { SessionDecryption } from "../report";
import type { CaptureModel, PasswordCheck } from "../model/types";
import type { Secrets } from "./secrets";
import { kerberosSessionKey, krbBlobKind, smb2SecurityBlob, type KerberosKeyResult } from "./kerberos";
import type { KeytabEntry } from "./keytab";
export { hasSecrets, parseSessionKey, type Secrets } from "./secrets";

/** The event fields the stage reads, added to the model's while decryption is on. */
export const DECRYPT_FIELDS = [
  "raw", "len", "truncated", "cmd", "response", "status", "msgId", "sessionId", "dialect", "ciphers", "mech",
  "ntlmType", "ntlmFlags", "ntlmUser", "ntlmDomain", "ntlmChallenge", "ntlmNtResponse", "ntlmSessionKey",
] as const;

const SMB2_MAGIC = 0x424d53fe; // 0xFE 'S' 'M' 'B' read little-endian
const SMB2_COMPRESSED_MAGIC = 0x424d53fc; // 0xFC 'S' 'M' 'B' (MS-SMB2 2.2.42)
const SMB2_HEADER = 64;

interface Sess {
  id: bigint | null;
  hash: PreauthHash | null;
  mech?: string;
  user: string | null;
  challenge?: Uint8Array;
  authFrame?: number;
  check?: PasswordCheck;
  /** the secret that gave the session key, and the key */
  secret?: "password" | "session-key" | "keytab";
  key?: Uint8Array;
  keys?: { clientToServer: Uint8Array; serverToClient: Uint8Array };
  /** keys were made (they stay "made" after drop() forgot them) */
  keyed: boolean;
  /** why no keys could be made from a secret that applied */
  unsupported?: string;
  status?: number;
  /** TRANSFORM messages of this session: decrypted, failed (the key did not fit, or damaged) */
  encrypted: number;
  decrypted: number;
  failed: number;
  firstFailFrame?: number;
  /** Kerberos with keytabs: the SESSION_SETUP request's security blob (its AP-REQ), and what the keytabs gave */
  krbRequest?: Uint8Array;
  krbResponse?: Uint8Array;
  krb?: KerberosKeyResult;
}

interface Conn {
  dialect: number | null;
  cipher: number | null;
  /** Connection.PreauthIntegrityHashValue (MS-SMB2 3.2.5.2 / 3.3.5.4) */
  hash: PreauthHash | null;
  /** SESSION_SETUP requests awaiting their response, by message id */
  pending: Map<bigint, Sess>;
  sessions: Map<bigint, Sess>;
  /** sessions in the order they appeared */
  order: Sess[];
  checks: PasswordCheck[];
}

const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const u64 = (b: Uint8Array, o: number) => BigInt(u32(b, o)) | (BigInt(u32(b, o + 4)) << 32n);
const isError = (st: number) => (st >>> 0) >= 0xc0000000;
/** Where a Kerberos session key came from, in words (MS-KILE 3.1.1.2). */
const KEY_SOURCE_WORDS = { "ap-rep-subkey": "the AP-REP subkey", "authenticator-subkey": "the authenticator's subkey", "ticket-session-key": "the ticket's session key" } as const;
const DIALECT_TEXT: Record<number, string> = { 0x0300: "3.0", 0x0302: "3.0.2", 0x0311: "3.1.1" };

export class DecryptStage implements EventSink {
  private readonly conns = new Map<number, Conn>();
  /** sessions by id across connections (a multichannel session's channels share its keys) */
  private readonly byId = new Map<bigint, Sess>();
  /** the last SMB2 or TRANSFORM record: the one an EV_SMB_RAW that follows belongs to */
  private last: RawEvent | null = null;
  private passwords: string[];
  private keys: Map<bigint, Uint8Array>;
  private keytab: KeytabEntry[];

  constructor(private readonly decoder: Decoder, secrets: Secrets, private readonly out: EventSink) {
    this.passwords = [...secrets.passwords];
    this.keys = new Map(secrets.sessionKeys.map((k) => [k.sessionId, k.key]));
    this.keytab = [...(secrets.keytabs ?? [])];
  }

  push(ev: RawEvent): void {
    switch (ev.kind) {
      case C.EV_FLOW:
        if (ev.f.flowProto !== C.FLOWP_KRB) this.conns.set(ev.stream, { dialect: null, cipher: null, hash: null, pending: new Map(), sessions: new Map(), order: [], checks: [] });
        break;
      case C.EV_SMB2:
        if (!ev.decrypted) { this.last = ev; this.smb2(ev); }
        break;
      case C.EV_SMB_TRANSFORM:
        this.last = ev;
        break;
      case C.EV_SMB_RAW:
        this.raw(ev);
        return; // for this stage only
    }
    this.out.push(ev);
  }

  /** Forgets the secrets and every key derived from them (the analysis is over). */
  drop(): void {
    this.passwords = [];
    this.keys.clear();
    this.keytab = [];
    const forget = (s: Sess) => { s.key = undefined; s.keys = undefined; s.krbRequest = s.krbResponse = undefined; if (s.krb?.kind === "key") s.krb = { ...s.krb, sessionKey: new Uint8Array(0) }; };
    for (const s of this.byId.values()) forget(s);
    for (const c of this.conns.values()) for (const s of c.order) forget(s);
  }

  /** Puts what the stage found into the model (connections[].decryption, each leg's password check). */
  attach(m: CaptureModel): void {
    for (const cm of m.connections) {
      const c = this.conns.get(cm.stream);
      if (!c) continue;
      for (const chk of c.checks) {
        const leg = cm.sessions.find((l) => l.req.frame === chk.frame);
        if (leg) leg.passwordCheck = chk;
      }
      const sessions = c.order.filter((s) => s.encrypted > 0).map((s) => this.result(c, s));
      if (sessions.length) cm.decryption = { sessions };
    }
  }

  private conn(ev: RawEvent): Conn | undefined { return this.conns.get(ev.stream); }

  private smb2(ev: RawEvent): void {
    const c = this.conn(ev);
    const f = ev.f;
    if (!c || f.cmd === undefined) return;
    const resp = f.response === 1;
    const msgId = (f.msgId as bigint | undefined) ?? 0n;
    if (f.cmd === W.SMB2_NEGOTIATE) {
      if (!resp || f.dialect === undefined) return;
      c.dialect = f.dialect as number;
      const ciphers = f.ciphers as Uint8Array | undefined;
      // 3.0 and 3.0.2 know one cipher; 3.1.1 names the one chosen (MS-SMB2 2.2.3.1.2; 0 = none)
      c.cipher = c.dialect === 0x0311 ? (ciphers && ciphers.length >= 2 ? ciphers[0] | (ciphers[1] << 8) : null) : c.dialect >= 0x0300 ? CIPHER.AES128CCM : null;
      return;
    }
    if (f.cmd !== W.SMB2_SESSION_SETUP) return;
    const sid = (f.sessionId as bigint | undefined) ?? 0n;
    if (!resp) {
      // SessionId 0: a new session, whose hash starts from the connection's (MS-SMB2 3.2.5.3.1)
      let s = sid !== 0n ? c.sessions.get(sid) ?? this.byId.get(sid) : undefined;
      if (!s) {
        s = { id: sid !== 0n ? sid : null, hash: c.hash?.clone() ?? null, user: null, encrypted: 0, decrypted: 0, failed: 0, keyed: false };
        c.order.push(s);
        if (s.id !== null) this.register(c, s);
      } else if (s.keyed || (s.status !== undefined && !isError(s.status))) {
        // a re-authentication of a session set up already: its keys stay (MS-SMB2 3.3.5.5.3)
        return;
      } else if (!c.sessions.has(sid)) {
        // a channel of a session of another connection (multichannel binding): hashed on this one
        s.hash = c.hash?.clone() ?? null;
        c.sessions.set(sid, s);
        if (!c.order.includes(s)) c.order.push(s);
      }
      c.pending.set(msgId, s);
      if (f.mech !== undefined) s.mech = f.mech === C.MECH_NTLM ? "ntlm" : f.mech === C.MECH_KERBEROS || f.mech === C.MECH_MS_KERBEROS ? "kerberos" : "other";
      if (f.ntlmType === 3) this.authenticate(c, s, ev);
      return;
    }
    const s = c.pending.get(msgId);
    if (!s) return;
    const status = (f.status as number | undefined) ?? 0;
    if (status === W.STATUS_PENDING) return; // the final answer follows with this message id
    if (s.id === null && sid !== 0n) { s.id = sid; this.register(c, s); }
    if (f.ntlmType === 2 && f.ntlmChallenge instanceof Uint8Array) s.challenge = f.ntlmChallenge;
    s.status = status;
    if (status === 0) this.established(c, s);
    // the EV_SMB_RAW of this response comes next and still needs the pending entry
  }

  private register(c: Conn, s: Sess): void {
    c.sessions.set(s.id!, s);
    this.byId.set(s.id!, s);
  }

  /** An NTLM AUTHENTICATE: each password checked against its NTLMv2 response (MS-NLMP 3.3.2). */
  private authenticate(c: Conn, s: Sess, ev: RawEvent): void {
    const f = ev.f;
    s.user = f.ntlmUser !== undefined ? `${f.ntlmDomain ? `${f.ntlmDomain as string}\\` : ""}${f.ntlmUser as string}` : null;
    s.authFrame = ev.frame;
    if (this.passwords.length === 0) return;
    const check: PasswordCheck = { frame: ev.frame, result: "unsupported", tried: this.passwords.length };
    const nt = f.ntlmNtResponse;
    if (!(nt instanceof Uint8Array)) check.why = "the AUTHENTICATE message's NT response could not be read";
    else if (!s.challenge) check.why = "the CHALLENGE message of this session is not in the capture";
    else {
      const cap: NtlmCaptured = {
        user: (f.ntlmUser as string | undefined) ?? "", domain: (f.ntlmDomain as string | undefined) ?? "",
        serverChallenge: s.challenge, ntChallengeResponse: nt,
        encryptedRandomSessionKey: f.ntlmSessionKey instanceof Uint8Array && f.ntlmSessionKey.length > 0 ? f.ntlmSessionKey : null,
        negotiateFlags: (f.ntlmFlags as number | undefined) ?? 0,
      };
      check.result = "mismatch";
      for (const pw of this.passwords) {
        const r = checkNtlmPassword(pw, cap);
        if (r.kind === "match") { check.result = "match"; s.secret = "password"; s.key = r.exportedSessionKey; break; }
        if (r.kind === "unsupported") { check.result = "unsupported"; check.why = r.why; break; }
      }
    }
    s.check = check;
    c.checks.push(check);
  }

  /** SESSION_SETUP succeeded: the pre-auth hash is final (the last response is not part of it). */
  private established(c: Conn, s: Sess): void {
    if (!s.key && s.id !== null) {
      const k = this.keys.get(s.id);
      if (k) { s.key = k; s.secret = "session-key"; }
    }
    this.derive(c, s);
  }

  private derive(c: Conn, s: Sess): void {
    if (!s.key || s.keyed || s.unsupported) return;
    s.unsupported = c.dialect === null ? "the NEGOTIATE of this connection is not in the capture, so its dialect and cipher are unknown"
      : c.dialect < 0x0300 || c.dialect > 0x0311 ? `SMB ${DIALECT_TEXT[c.dialect] ?? `dialect 0x${c.dialect.toString(16)}`} has no encryption`
        : c.cipher === null || c.cipher < CIPHER.AES128CCM || c.cipher > CIPHER.AES256GCM ? "the NEGOTIATE response names no cipher this decoder knows"
          : c.dialect === 0x0311 && !s.hash ? "SMB 3.1.1 keys depend on the pre-auth integrity hash of the NEGOTIATE and SESSION_SETUP messages, and some of them are not in the capture"
            : undefined;
    if (s.unsupported) return;
    s.keys = smb3DecryptionKeys(c.dialect!, c.cipher!, s.key, c.dialect === 0x0311 ? s.hash!.digest() : null);
    s.keyed = true;
  }

  private raw(ev: RawEvent): void {
    const last = this.last;
    this.last = null;
    const c = this.conn(ev);
    if (!c || !last || last.stream !== ev.stream || last.frame !== ev.frame) return;
    const bytes = ev.f.raw instanceof Uint8Array && ev.f.truncated === undefined ? ev.f.raw : null;
    if (last.kind === C.EV_SMB_TRANSFORM) return this.transform(c, last, ev, ev.f.raw as Uint8Array | undefined);
    const f = last.f;
    if (f.cmd === W.SMB2_NEGOTIATE) {
      if (f.response !== 1) {
        c.hash = bytes ? new PreauthHash() : null;
        c.hash?.update(bytes!);
      } else if (f.dialect === 0x0311 && bytes && c.hash) c.hash.update(bytes);
      else c.hash = null;
      return;
    }
    if (f.cmd !== W.SMB2_SESSION_SETUP) return;
    const msgId = (f.msgId as bigint | undefined) ?? 0n;
    const s = c.pending.get(msgId);
    if (!s) return;
    // Kerberos with keytabs: the leg that carries the AP-REQ, and the one with the AP-REP (the
    // final response, or a MORE_PROCESSING_REQUIRED one before a last SPNEGO leg)
    const krb = this.keytab.length > 0 && s.mech === "kerberos" && !s.key;
    const blob = krb && bytes ? smb2SecurityBlob(bytes) : null;
    if (f.response !== 1) {
      if (bytes) s.hash?.update(bytes);
      else s.hash = null;
      if (krb && (blob === null || krbBlobKind(blob) === "ap-req")) s.krbRequest = blob?.slice();
      return;
    }
    if (f.status === W.STATUS_PENDING) return;
    c.pending.delete(msgId);
    if (blob && krbBlobKind(blob) === "ap-rep") s.krbResponse = blob.slice();
    if (f.status === W.STATUS_MORE_PROCESSING_REQUIRED) {
      if (bytes) s.hash?.update(bytes);
      else s.hash = null;
    } else if (krb && ((f.status as number | undefined) ?? 0) === 0) this.keytabKey(c, s);
  }

  /** The session key from the AP-REQ and AP-REP with the keytabs given (kerberos.ts), then the keys. */
  private keytabKey(c: Conn, s: Sess): void {
    s.krb = s.krbRequest
      ? kerberosSessionKey(this.keytab, s.krbRequest, s.krbResponse ?? null)
      : { kind: "unsupported", why: "the SESSION_SETUP request with the AP-REQ is not whole in the capture" };
    s.krbRequest = s.krbResponse = undefined;
    if (s.krb.kind !== "key") return;
    s.key = s.krb.sessionKey;
    s.secret = "keytab";
    s.user ??= s.krb.client;
    this.derive(c, s);
  }

  private transform(c: Conn, at: RawEvent, ev: RawEvent, bytes: Uint8Array | undefined): void {
    if (!bytes || bytes.length < TRANSFORM_HEADER_SIZE) return;
    const sid = u64(bytes, 44);
    let s = c.sessions.get(sid) ?? this.byId.get(sid);
    if (!s) {
      // its SESSION_SETUP is not in the capture: only a session key can open it (3.0, 3.0.2)
      s = { id: sid, hash: null, user: null, encrypted: 0, decrypted: 0, failed: 0, keyed: false };
      c.order.push(s);
      this.register(c, s);
      const k = this.keys.get(sid);
      if (k) { s.key = k; s.secret = "session-key"; this.derive(c, s); }
    } else if (!c.order.includes(s)) c.order.push(s);
    s.encrypted++;
    if (!s.keys) return;
    const key = at.fromClient ? s.keys.clientToServer : s.keys.serverToClient;
    const cipher = c.cipher!;
    const whole = ev.f.truncated === undefined && bytes.length === (ev.f.len as number);
    const peek = peekTransform(bytes, key, cipher, Math.min(SMB2_HEADER, bytes.length - TRANSFORM_HEADER_SIZE));
    if (peek.length >= 8 && u32(peek, 0) === SMB2_COMPRESSED_MAGIC) {
      // compressed, then encrypted (MS-SMB2 3.1.4.4, 3.1.4.3): decrypted whole when the wasm would
      // decompress it (assembly/proto/smb2compress.ts), which then decodes the SMB2 message inside
      if (!whole || u32(peek, 4) > W.SMB_DECOMPRESS_MAX) { s.decrypted++; return; }
      const all = decryptTransform(bytes, key, cipher);
      if (!all) return this.fail(s, at);
      s.decrypted++;
      this.decoder.decodePlain(all, all.length, at, this.out);
      return;
    }
    if (peek.length < 4 || u32(peek, 0) !== SMB2_MAGIC) return this.fail(s, at);
    let plain = peek;
    if (peek.length === SMB2_HEADER && whole) {
      const cmd = peek[12] | (peek[13] << 8);
      const status = u32(peek, 8);
      const response = (u32(peek, 16) & W.SMB2_FLAGS_RESPONSE) !== 0;
      // what the reassembler keeps whole in the clear (assembly/proto/smb.ts smbKeep): setup
      // commands, compounds and errors whole, others up to SMB_KEEP_OTHER bytes (those bytes whole here:
      // CCM authenticates only the whole message, and the header is all the decoder reads of them)
      if (cmd <= W.SMB2_TREE_DISCONNECT || u32(peek, 20) !== 0 || (response && isError(status)) || bytes.length - TRANSFORM_HEADER_SIZE <= W.SMB_KEEP_OTHER) {
        const all = decryptTransform(bytes, key, cipher);
        if (!all) return this.fail(s, at); // the authentication tag does not match
        plain = all;
      }
    }
    s.decrypted++;
    const original = u32(bytes, 36);
    this.decoder.decodePlain(plain, Math.max(original, plain.length), at, this.out);
  }

  private fail(s: Sess, at: RawEvent): void {
    s.failed++;
    s.firstFailFrame ??= at.frame;
  }

  /** The Report's record of one session whose messages were encrypted. */
  private result(c: Conn, s: Sess): SessionDecryption {
    const r: SessionDecryption = { sessionId: s.id !== null ? hex64(s.id) : "unknown", user: s.user, result: "no-secret", decrypted: s.decrypted, failed: s.failed };
    if (s.secret && s.keyed) r.secret = s.secret;
    const tried = this.triedText(s);
    if (s.keyed && s.decrypted > 0) {
      r.result = "decrypted";
      if (s.failed) r.why = `${s.failed} of its ${s.encrypted} encrypted messages did not decrypt (first in frame ${s.firstFailFrame}): damaged in the capture, or not this session's`;
    } else if (s.keyed && s.failed > 0) {
      r.result = "wrong-secret";
      r.why = s.secret === "session-key"
        ? `the session key given for ${r.sessionId} does not decrypt its messages (frame ${s.firstFailFrame}): it is not this session's key`
        : s.secret === "keytab"
          ? `the session key the keytab's ticket gave (${s.krb?.kind === "key" ? KEY_SOURCE_WORDS[s.krb.from] : "its subkey"}) does not decrypt its messages (frame ${s.firstFailFrame})${s.krb?.kind === "key" && s.krb.from !== "ap-rep-subkey" ? ": the server's AP-REP, whose subkey SMB would use, is not in the capture" : ""}`
          : `the keys made from the password do not decrypt its messages (frame ${s.firstFailFrame})`;
    } else if (s.secret && s.unsupported) {
      r.result = "unsupported";
      r.secret = s.secret;
      r.why = s.unsupported;
    } else if (s.krb && s.krb.kind !== "key") {
      // a keytab was given and did not yield this session's key: which key it lacks, or why not
      r.result = s.krb.kind === "unsupported" ? "unsupported" : "wrong-secret";
      r.secret = "keytab";
      r.why = s.krb.kind === "unsupported" ? `the keytab cannot open this session: ${s.krb.why}` : s.krb.why;
    } else if (s.check?.result === "mismatch") {
      r.result = "wrong-secret";
      r.secret = "password";
      r.why = `${tried} the NTLMv2 response ${s.user ? `of ${s.user} ` : ""}in frame ${s.check.frame}: the client logged on with another password`;
    } else if (s.check?.result === "unsupported") {
      r.result = "unsupported";
      r.why = `the password cannot be checked: ${s.check.why}`;
    } else if (s.mech === "kerberos") {
      r.result = "no-secret";
      r.why = `a Kerberos session: the keytab of its service, or its session key (SESSIONID:HEX, session id ${r.sessionId}), would decrypt it`;
    } else if (s.mech === "ntlm" || s.authFrame !== undefined) {
      r.why = `the password of ${s.user ?? "the NTLM user"} (AUTHENTICATE in frame ${s.authFrame ?? "?"}) would decrypt it`;
    } else if (s.hash === null && c.dialect === 0x0311) {
      r.why = "its SESSION_SETUP is not in the capture: SMB 3.1.1 keys depend on the pre-auth integrity hash of that exchange, so not even its session key would decrypt it";
    } else {
      r.why = `its SESSION_SETUP is not in the capture: its session key (SESSIONID:HEX, session id ${r.sessionId}) would decrypt it`;
    }
    return r;
  }

  private triedText(s: Sess): string {
    const n = s.check?.tried ?? this.passwords.length;
    return n === 1 ? "the password given does not match" : `none of the ${n} passwords given matches`;
  }
}
