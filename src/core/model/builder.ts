// Folds decoder events into the model, one event at a time (memory follows the number of SMB
// connections and Kerberos messages, never the size of the capture).
import * as C from "../../../assembly/events";
import * as W from "../../../assembly/wire";
import { EventReader, tsMsOf, type EventRecord, type RawEvent, type RecordSink } from "../decoder/records";
import { describeProblem } from "../problems";
import { ipText, endpoint, endpointMade, smb2Dialect, statusLabel, dosErrorLabel, dosErrorStatus, SMB2_COMMANDS, SMB1_COMMANDS, KRB_MSG_TYPES, LINK_TYPES, formatName } from "../names";
import { smb1Dialects, tcpFlagsText } from "../eventsView";
import type { AuthFacts, BeyondSetup, CaptureModel, ConnModel, NegotiateInfo } from "./types";
import type { MemoryGuard } from "../source";
import { outcomeOf, authOf, establishedAttempt } from "./summarize";
import { emptyPktmon, pktmonDrop, pktmonInfo, pktmonWarnings } from "./pktmon";
import { QuicCollector } from "../quic/flow";
import { NONE, appended, intern, flat } from "./lists";
import { Folder } from "./fold";
import { OpenRequests } from "./openRequests";
import { StreamMap } from "./streamMap";
import { KrbStore, MAX_KRB_MESSAGES } from "./krbStore";
import type { ConnectionSink } from "../connectionSink";

const LADDER_MAX = 48; // handshake steps kept per connection; the rest are counted

/** A step of a connection's ladder, its keys in the one order the records' ladders are written in (model/pendingTcp.ts makes them again). */
export const ladderStep = (frame: number, ts: number, fromClient: boolean, label: string, kind: ConnModel["ladder"][number]["kind"], status?: string | null, error?: boolean): ConnModel["ladder"][number] =>
  ({ frame, ts, fromClient, label, status, kind, error });
// Ladders are most of the model's memory. When a connection closes, its ladder is kept only while
// fewer than these many have been kept: memory stays bounded in captures with 100,000s of
// connections, and the connections a user looks at first keep theirs.
const KEEP_LADDERS_OK = 200;
const KEEP_LADDERS_PROBLEM = 1000;

const LADDER_KINDS: readonly ConnModel["ladder"][number]["kind"][] = ["tcp", "nbss", "smb", "krb", "gap", "encrypted"];
const KIND_INDEX: Readonly<Record<ConnModel["ladder"][number]["kind"], number>> = { tcp: 0, nbss: 1, smb: 2, krb: 3, gap: 4, encrypted: 5 };
/** OpenLadders' bits of a step: its kind (KIND_INDEX), which side sent it, its `error` (undefined, false or true) */
const B_KIND = 7, B_CLIENT = 8, B_ERROR_SET = 16, B_ERROR = 32;

/**
 * The ladder steps of the connections still open, in columns: one list per connection (its last
 * step first, each step the index of the one before), made ladder steps (ladderStep) only for a
 * ladder that stays, when its connection closes (the first KEEP_LADDERS_* of them) or at the end;
 * the others' steps go back to the free list at their close. A busy capture's connections drop
 * theirs (all but the first ~1,200): their ~20 steps were each an object through the connection's
 * life, long enough for the collector to move them out of the young generation, and most of what
 * the model allocated per connection (smb1m-1g: ~2.5 KB of ~6).
 */
class OpenLadders {
  private frame = new Float64Array(1024);
  private ts = new Float64Array(1024);
  private bits = new Uint8Array(1024);
  /** the step's place in its ladder (0: the first) */
  private nth = new Uint8Array(1024);
  /** the step before it in its ladder (-1: none), or the next free one */
  private prev = new Int32Array(1024);
  private readonly label: string[] = [];
  private readonly status: (string | null | undefined)[] = [];
  private free = -1;
  private top = 0;

  /** Appends a step to the ladder whose last step is `last` (-1: none yet); the new last step. */
  add(last: number, frame: number, ts: number, fromClient: boolean, label: string, kind: ConnModel["ladder"][number]["kind"], status: string | null | undefined, error: boolean | undefined): number {
    let i = this.free;
    if (i >= 0) this.free = this.prev[i];
    else {
      if (this.top === this.frame.length) this.grow();
      i = this.top++;
    }
    this.frame[i] = frame; this.ts[i] = ts;
    this.bits[i] = KIND_INDEX[kind] | (fromClient ? B_CLIENT : 0) | (error === undefined ? 0 : B_ERROR_SET | (error ? B_ERROR : 0));
    this.nth[i] = last < 0 ? 0 : this.nth[last] + 1;
    this.prev[i] = last;
    this.label[i] = label; this.status[i] = status;
    return i;
  }

  /** The number of steps of the ladder whose last step is `last`. */
  length(last: number): number { return last < 0 ? 0 : this.nth[last] + 1; }

  /** The ladder whose last step is `last`, as ladder steps; its steps go back to the free list. */
  take(last: number): ConnModel["ladder"] {
    const l = new Array<ConnModel["ladder"][number]>(this.length(last));
    for (let i = last; i >= 0; ) {
      const b = this.bits[i];
      l[this.nth[i]] = ladderStep(this.frame[i], this.ts[i], (b & B_CLIENT) !== 0, this.label[i], LADDER_KINDS[b & B_KIND], this.status[i], (b & B_ERROR_SET) === 0 ? undefined : (b & B_ERROR) !== 0);
      i = this.release(i);
    }
    return l;
  }

  /** Lets the ladder whose last step is `last` go. */
  drop(last: number): void {
    for (let i = last; i >= 0; ) i = this.release(i);
  }

  /** Frees step `i`; the step before it. */
  private release(i: number): number {
    const p = this.prev[i];
    this.label[i] = ""; this.status[i] = undefined; // (no text kept alive by a free step)
    this.prev[i] = this.free;
    this.free = i;
    return p;
  }

  private grow(): void {
    const n = this.frame.length * 2;
    const f = new Float64Array(n); f.set(this.frame); this.frame = f;
    const t = new Float64Array(n); t.set(this.ts); this.ts = t;
    const b = new Uint8Array(n); b.set(this.bits); this.bits = b;
    const k = new Uint8Array(n); k.set(this.nth); this.nth = k;
    const p = new Int32Array(n); p.set(this.prev); this.prev = p;
  }
}
const MECHS: Record<number, string> = {
  [C.MECH_NTLM]: "ntlm", [C.MECH_KERBEROS]: "kerberos", [C.MECH_MS_KERBEROS]: "kerberos",
  [C.MECH_NEGOEX]: "negoex", [C.MECH_SPNEGO]: "spnego", [C.MECH_UNKNOWN]: "unknown", [C.MECH_KRB_U2U]: "kerberos",
};
const NEG_STATES = ["accept-completed", "accept-incomplete", "reject", "request-mic"];

/**
 * Every event field this builder reads. The analysis decodes only these (decodeRecords' filter);
 * tests/model-fields.test.ts builds every fixture's Report with and without the filter and
 * requires the same result, so a field read here but missing from this list fails there.
 */
export const MODEL_FIELDS = [
  "account", "action", "andx", "blobError", "caps", "ciphers", "cmd", "delayNs", "dialect", "dialects",
  "dosClass", "dosCode", "dstIp", "dstPort", "flowProto", "krbCname", "krbError", "krbEtext", "krbMsgType",
  "krbRealm", "krbSname", "len", "mech", "msgId", "nbCalled", "nbCalling", "nbError", "nbssType", "negState",
  "netname", "ntlmDnsComputer", "ntlmDomain", "ntlmHost", "ntlmNbComputer", "ntlmNbDomain", "ntlmOsVersion", "ntlmSpn", "ntlmType", "ntlmUser", "ntlmVersion", "primaryDomain",
  "response", "secMode", "sessionFlags", "sessionId", "shareFlags", "smb1Pid", "smbFlags", "srcIp", "srcPort",
  "status", "tcpFlags", "transport", "tree", "treeId", "value", "createName", "ctlCode", "dfsPath",
  "krbEtypes", "krbStime", "krbCtime", "icmpType", "icmpCode", "quotedProto", "quotedSrcIp", "quotedDstIp", "quotedSrcPort", "quotedDstPort",
  "pktmonComponent", "pktmonEvent", "value2", "winName", "winDesc", "pktmonAddr", "dropReason", "dropLocation", "pktmonDir", "smbVersion",
  "quicDatagram", "quicCounts", "decompressed",
] as const;

/** Of the traffic after the setup (beyond): refusals and referrals kept per connection, and requests awaiting an answer. */
const MAX_BEYOND = 20;
const MAX_OPEN = 64;
/** ICMP errors kept: enough for every refused request of a capture a person diagnoses; a scan's flood is cut. */
const MAX_ICMP = 10_000;
const tsMs = tsMsOf;

/**
 * Lists read from the wire (dialects, ciphers, signing algorithms) are the same on almost every
 * connection of a capture: one shared, frozen copy per distinct list instead of an array per
 * connection (the model's largest part before). Bounded: cleared when full. Looked up by the
 * bytes themselves (an open-addressed table, at most half full): no key string per message.
 */
const LISTS_MAX = 1024;
const LIST_SLOTS = 2048;
const LIST_U16 = 1, LIST_I32 = 2, LIST_SMB1_DIALECTS = 3, LIST_SMB2_DIALECTS = 4;
const listKind = new Uint8Array(LIST_SLOTS); // 0: a free slot
const listHash = new Int32Array(LIST_SLOTS);
const listBytes: (Uint8Array | null)[] = new Array<Uint8Array | null>(LIST_SLOTS).fill(null);
const listValue: (readonly unknown[] | null)[] = new Array<readonly unknown[] | null>(LIST_SLOTS).fill(null);
let lists = 0;

/** The slot holding (kind, b), else the free slot where it goes. */
function listSlot(kind: number, h: number, b: Uint8Array): number {
  let s = (h ^ (h >>> 15)) & (LIST_SLOTS - 1);
  for (let k = listKind[s]; k !== 0; s = (s + 1) & (LIST_SLOTS - 1), k = listKind[s]) {
    if (k !== kind || listHash[s] !== h) continue;
    const o = listBytes[s]!;
    if (o.length !== b.length) continue;
    let i = 0;
    while (i < b.length && o[i] === b[i]) i++;
    if (i === b.length) return s;
  }
  return s;
}

function shared<T>(kind: number, b: Uint8Array, make: (b: Uint8Array) => T[]): T[] {
  if (b.length > 256) return make(b);
  let h = Math.imul(0x811c9dc5 ^ kind, 0x01000193);
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  const s = listSlot(kind, h, b);
  if (listKind[s] !== 0) return listValue[s] as T[];
  if (lists >= LISTS_MAX) { listKind.fill(0); listBytes.fill(null); listValue.fill(null); lists = 0; }
  const l = Object.freeze(make(b));
  // make may have filled a list of its own (SMB2 dialects: their ids), maybe in that slot
  const t = listSlot(kind, h, b);
  listKind[t] = kind; listHash[t] = h; listBytes[t] = b.slice(); listValue[t] = l; lists++;
  return l as T[];
}

function u16s(b: Uint8Array): number[] {
  const o: number[] = [];
  for (let i = 0; i + 1 < b.length; i += 2) o.push(b[i] | (b[i + 1] << 8));
  return o;
}

function i32s(b: Uint8Array): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const o: number[] = [];
  for (let i = 0; i + 3 < b.length; i += 4) o.push(dv.getInt32(i, true));
  return o;
}

const smb2Dialects = (b: Uint8Array): string[] => u16list(b).map(smb2Dialect);

function u16list(b: unknown): number[] {
  if (!(b instanceof Uint8Array)) return [];
  return shared(LIST_U16, b, u16s);
}

function i32list(b: Uint8Array): number[] {
  return shared(LIST_I32, b, i32s);
}

function dialectList(b: unknown, smb1: boolean): string[] {
  if (!(b instanceof Uint8Array)) return [];
  return smb1 ? shared(LIST_SMB1_DIALECTS, b, smb1Dialects) : shared(LIST_SMB2_DIALECTS, b, smb2Dialects);
}

/**
 * The ladder label of a bare ACK after a request: one text per delay (a capture's delays repeat,
 * two per healthy connection), kept in a direct-mapped table by the nanoseconds (a collision
 * replaces the slot), not three strings made per ACK.
 */
const ACK_SLOTS = 1024;
const ackNs = new Float64Array(ACK_SLOTS).fill(-1);
const ackTexts: string[] = new Array<string>(ACK_SLOTS).fill("");
function ackLabel(delayNs: number, delayMs: number): string {
  const slot = Math.imul((delayNs >>> 0) ^ ((delayNs / 4294967296) >>> 0), 0x9e3779b1) >>> 22;
  if (ackNs[slot] === delayNs) return ackTexts[slot];
  const t = `ACK (no data) ${delayMs < 1 ? `${(delayMs * 1000).toFixed(0)} µs` : `${delayMs.toFixed(1)} ms`} after the request`;
  ackNs[slot] = delayNs;
  return (ackTexts[slot] = flat(t));
}

/**
 * Ladder labels that depend only on the command: one string each, not one per step. By the key of
 * (command, SMB1, response) in an array (a Map's lookup was a tenth of smb()'s time) for commands
 * below 256 (SMB1's are a byte, SMB2's go to 0x12); any other in a Map.
 */
const CMD_KEYS = 256 * 4;
const cmdLabelAt: (string | undefined)[] = [];
const cmdLabelsWide = new Map<number, string>();
function cmdLabel(smb1: boolean, cmd: number, resp: boolean): string {
  const key = cmd * 4 + (smb1 ? 2 : 0) + (resp ? 1 : 0);
  const l = key < CMD_KEYS ? cmdLabelAt[key] : cmdLabelsWide.get(key);
  if (l !== undefined) return l;
  const name = (smb1 ? SMB1_COMMANDS : SMB2_COMMANDS)[cmd] ?? `command 0x${cmd.toString(16)}`;
  const t = `${smb1 ? "SMB1 " : ""}${name} ${resp ? "response" : "request"}`;
  if (key >= CMD_KEYS) cmdLabelsWide.set(key, t);
  else {
    while (cmdLabelAt.length <= key) cmdLabelAt.push(undefined); // (dense: no holes, one elements kind)
    cmdLabelAt[key] = t;
  }
  return t;
}

/** The ladder label's end for the dialect a NEGOTIATE response chose. */
function dialectSuffix(smb1: boolean, dialect: number, smb1Dialect: string | null | undefined): string {
  return smb1 ? (smb1Dialect ? ` (dialect ${smb1Dialect})` : " (no dialect chosen)") : ` (${smb2Dialect(dialect)})`;
}

/**
 * Ladder labels of a command's label followed by a text (a TREE_CONNECT's path, the dialect a
 * NEGOTIATE chose): one string per (label, text) while few (by the label, then the path or the
 * dialect, whose strings the decoder interns), not two joined per message. Cleared when full.
 */
const LABELS_MAX = 2048;
const labelsWith = new Map<string, Map<string | number | null, string>>();
/** The texts after label `base` so far, by their key. */
function labelsAfter(base: string): Map<string | number | null, string> {
  let m = labelsWith.get(base);
  if (m === undefined) labelsWith.set(base, (m = new Map()));
  else if (m.size >= LABELS_MAX) m.clear();
  return m;
}
/** `base` and the tree's path after it. */
function treeLabel(base: string, tree: string): string {
  // (the one asked last first: a capture's connections ask for the same few shares, two Map
  // lookups a message before)
  if (base === lastTree.base && tree === lastTree.key) return lastTree.label;
  const m = labelsAfter(base);
  let l = m.get(tree);
  if (l === undefined) m.set(tree, (l = flat(`${base} ${tree}`)));
  lastTree.base = base; lastTree.key = tree; lastTree.label = l;
  return l;
}
/** `base` and the dialect chosen after it (dialectSuffix). */
function dialectLabel(base: string, smb1: boolean, dialect: number, smb1Dialect: string | null | undefined): string {
  // (SMB1: by the dialect's name, null for none; SMB2: by its number)
  const key = smb1 ? smb1Dialect ?? null : dialect;
  if (base === lastDialect.base && key === lastDialect.key) return lastDialect.label;
  const m = labelsAfter(base);
  let l = m.get(key);
  if (l === undefined) m.set(key, (l = flat(`${base}${dialectSuffix(smb1, dialect, smb1Dialect)}`)));
  lastDialect.base = base; lastDialect.key = key; lastDialect.label = l;
  return l;
}
/** The label treeLabel, dialectLabel gave last, and what it was asked for (base "": none yet). */
const lastTree = { base: "", key: "" as string | number | null, label: "" };
const lastDialect = { base: "", key: "" as string | number | null, label: "" };

/**
 * What a SESSION_SETUP message's security blob says. Nearly every message of a capture says one of
 * a few things (the same client NEGOTIATE, the same server's CHALLENGE, the same user's
 * AUTHENTICATE, an empty answer: the dense bench's 141,000 messages, 33 distinct), so equal facts
 * are one shared, frozen object (AUTH_SLOTS, two-way, by a hash of the fields read; a collision
 * replaces the older), not an object of a dozen properties per message.
 */
export function authFacts(r: EventRecord): AuthFacts {
  // First by the fields' bytes in the decoder's memory, against the keys of the facts found last
  // (most recent first): a capture's messages cycle through a few (NEGOTIATE, CHALLENGE,
  // AUTHENTICATE, the final answer), found without a string made or hashed
  for (let j = 0; j < recent; j++) {
    if (!r.sameFields(AUTH_FIELD_IDS, recentKey[j]!)) continue;
    const f = recentFacts[j]!;
    if (j > 0) { const k = recentKey[j]!; for (let i = j; i > 0; i--) { recentKey[i] = recentKey[i - 1]; recentFacts[i] = recentFacts[i - 1]; } recentKey[0] = k; recentFacts[0] = f; }
    return f;
  }
  const facts = authFactsOfStrings(r);
  const n = r.rawFields(AUTH_FIELD_IDS, rawKey);
  if (n >= 0) {
    if (recent < RECENT) recent++;
    for (let i = recent - 1; i > 0; i--) { recentKey[i] = recentKey[i - 1]; recentFacts[i] = recentFacts[i - 1]; }
    recentKey[0] = rawKey.slice(0, n); recentFacts[0] = facts;
  }
  return facts;
}

/** The fields authFacts reads, in one order (the bytes' keys, RecordCursor rawFields). */
const AUTH_FIELD_IDS: readonly number[] = [C.F_MECH, C.F_NTLM_TYPE, C.F_NTLM_USER, C.F_NTLM_DOMAIN, C.F_NTLM_HOST, C.F_NTLM_VERSION, C.F_NTLM_SPN,
  C.F_NTLM_NB_COMPUTER, C.F_NTLM_DNS_COMPUTER, C.F_NTLM_NB_DOMAIN, C.F_NTLM_OS_VERSION, C.F_KRB_SNAME, C.F_KRB_REALM, C.F_KRB_MSG_TYPE,
  C.F_KRB_ERROR, C.F_KRB_ETEXT, C.F_KRB_STIME, C.F_KRB_CTIME, C.F_NEG_STATE, C.F_BLOB_ERROR, C.F_ACCOUNT, C.F_PRIMARY_DOMAIN];
/** the key being made (fields longer than this together: found by their strings alone) */
const rawKey = new Int32Array(512);
/** the keys of the facts found last, most recent first */
const RECENT = 32;
const recentKey: (Int32Array | null)[] = new Array<Int32Array | null>(RECENT).fill(null);
const recentFacts: (AuthFacts | null)[] = new Array<AuthFacts | null>(RECENT).fill(null);
let recent = 0;

/** authFacts by the fields' values (strings): for events as objects, and each new key of the bytes. */
function authFactsOfStrings(r: EventRecord): AuthFacts {
  const v = authRaw;
  const ntlmType = r.u32(C.F_NTLM_TYPE);
  v[0] = r.u32(C.F_MECH); v[1] = ntlmType;
  v[2] = r.str(C.F_NTLM_USER); v[3] = r.str(C.F_NTLM_DOMAIN); v[4] = r.str(C.F_NTLM_HOST);
  v[5] = r.u32(C.F_NTLM_VERSION); v[6] = r.str(C.F_NTLM_SPN);
  // the AUTHENTICATE echoes the CHALLENGE's target info: only the server's own message names it
  const ch = ntlmType === 2;
  v[7] = ch ? r.str(C.F_NTLM_NB_COMPUTER) : undefined;
  v[8] = ch ? r.str(C.F_NTLM_DNS_COMPUTER) : undefined;
  v[9] = ch ? r.str(C.F_NTLM_NB_DOMAIN) : undefined;
  v[10] = r.u32(C.F_NTLM_OS_VERSION); v[11] = r.str(C.F_KRB_SNAME); v[12] = r.str(C.F_KRB_REALM);
  v[13] = r.u32(C.F_KRB_MSG_TYPE); v[14] = r.u32(C.F_KRB_ERROR); v[15] = r.str(C.F_KRB_ETEXT);
  v[16] = r.str(C.F_KRB_STIME); v[17] = r.str(C.F_KRB_CTIME); v[18] = r.u32(C.F_NEG_STATE);
  v[19] = r.u32(C.F_BLOB_ERROR); v[20] = r.str(C.F_ACCOUNT); v[21] = r.str(C.F_PRIMARY_DOMAIN);
  let h = 0x811c9dc5;
  for (let i = 0; i < AUTH_FIELDS; i++) {
    const x = v[i];
    if (typeof x === "string") {
      // every character: names differ in one anywhere (cifs/10.99.1.1, cifs/10.99.5.1), and a
      // message's few short names cost less to hash than a copy of its facts
      for (let j = 0; j < x.length; j++) h = Math.imul(h ^ x.charCodeAt(j), 0x01000193);
      h = Math.imul(h ^ x.length, 0x01000193);
    } else h = Math.imul(h ^ (x === undefined ? -1 : x), 0x01000193);
  }
  // two ways: the slot and its neighbour, the latest first
  const slot = (h ^ (h >>> 15)) & (AUTH_SLOTS - 2);
  const a = authSeen[slot];
  if (a !== null && sameRaw(a.raw, v)) return a.facts;
  const b = authSeen[slot + 1];
  if (b !== null && sameRaw(b.raw, v)) return b.facts;
  const facts = Object.freeze(authOfRaw(v));
  authSeen[slot + 1] = a;
  authSeen[slot] = { raw: v.slice(), facts };
  return facts;
}

function sameRaw(a: readonly (string | number | undefined)[], b: readonly (string | number | undefined)[]): boolean {
  for (let i = 0; i < AUTH_FIELDS; i++) if (a[i] !== b[i]) return false;
  return true;
}

const AUTH_FIELDS = 22;
const AUTH_SLOTS = 1024;
const authRaw: (string | number | undefined)[] = new Array<string | number | undefined>(AUTH_FIELDS).fill(undefined);
const authSeen: ({ raw: (string | number | undefined)[]; facts: AuthFacts } | null)[] = new Array<{ raw: (string | number | undefined)[]; facts: AuthFacts } | null>(AUTH_SLOTS).fill(null);

/** The facts of authFacts' fields (its `v`), their properties in the order they always had. */
function authOfRaw(v: readonly (string | number | undefined)[]): AuthFacts {
  const a: AuthFacts = {};
  const mech = v[0] as number | undefined, ntlmType = v[1] as number | undefined;
  if (mech !== undefined) a.mech = MECHS[mech] ?? "unknown";
  if (ntlmType !== undefined) a.ntlmType = ntlmType;
  if (v[2] !== undefined) a.user = v[2] as string;
  if (v[3] !== undefined) a.domain = v[3] as string;
  if (v[4] !== undefined) a.host = v[4] as string;
  if (v[5] !== undefined) a.ntlmVersion = v[5] as number;
  if (v[6] !== undefined) a.spn = v[6] as string;
  if (v[7] !== undefined) a.nbComputer = v[7] as string;
  if (v[8] !== undefined) a.dnsComputer = v[8] as string;
  if (v[9] !== undefined) a.nbDomain = v[9] as string;
  if (v[10] !== undefined) a.osVersion = v[10] as number;
  if (v[11] !== undefined) a.krbSname = v[11] as string;
  if (v[12] !== undefined) a.krbRealm = v[12] as string;
  if (v[13] !== undefined) a.krbMsgType = v[13] as number;
  if (v[14] !== undefined) a.krbError = v[14] as number;
  if (v[15] !== undefined) a.krbEtext = v[15] as string;
  if (v[16] !== undefined) a.krbStime = v[16] as string;
  if (v[17] !== undefined) a.krbCtime = v[17] as string;
  if (v[18] !== undefined) a.negState = NEG_STATES[v[18] as number] ?? String(v[18]);
  if (v[19] !== undefined) a.blobError = v[19] as number;
  // SMB1 without extended security carries the account in the clear
  if (v[20] !== undefined) { a.user = v[20] as string; a.mech ??= "ntlm"; }
  if (v[21] !== undefined) a.domain = v[21] as string;
  return a;
}

/** The facts of a SESSION_SETUP response whose request is not in the capture: none. */
const NO_AUTH: AuthFacts = Object.freeze({});

/** SMB2 pending requests are keyed by message id: a number below 2^53, else its BigInt (never seen: ids count up from 0). */
type PendingKey = string | number | bigint;

/** Tests turn it off to compare the Reports (tests/krb-flow-end.test.ts): off, a Kerberos TCP flow stays to the end. */
export const krbFlowEnd = { on: true };

export class ModelBuilder implements RecordSink {
  private readonly m: CaptureModel;
  private readonly conns = new StreamMap<ConnModel>();
  /** the Kerberos TCP flows open (EV_KRB of a stream reads its addresses here), and which ends sent a FIN (1 client, 2 server) */
  private readonly krbFlows = new Map<number, { client: string; server: string; clientIp: string; serverIp: string; fin: number }>();
  /** Kerberos TCP flows closed at frame krbEndFrame: let go past it (krbEnded) */
  private krbEnded: number[] = [];
  private krbEndFrame = 0;
  private readonly warningSet = new Set<string>();
  /** per connection: the command an SMB1 AndX chain continues with, and whether the chain began before a UID existed */
  private readonly chain = new Map<number, { next: number; noUid: boolean }>();
  /** AnalyzeOptions.memory: decoding stopped before the end of the file once its `at` is set */
  memoryStop: MemoryGuard | null = null;
  private readonly quic = new QuicCollector();
  /** flows of SMB connections started so far (ConnModel.order) */
  private flows = 0;
  private laddersOk = 0;
  private laddersProblem = 0;
  /** the ladders of open connections (ConnModel.ladderAt) */
  private readonly ladders = new OpenLadders();
  /** the requests after the setup awaiting their answer (BeyondSetup.open) */
  private readonly open = new OpenRequests();
  private readonly reader = new EventReader();
  /** the fold of closed healthy connections (model/fold.ts), once foldAtClose turned it on */
  private folder: Folder | null = null;
  /** the time of the event being read (ms), for its handler */
  private ts = Number.NaN;

  constructor(file: string, bytes: number) {
    this.m = {
      file, bytes, format: null, linkTypes: [], packets: 0, firstTs: null, lastTs: null,
      firstTsNs: null, lastTsNs: null, tsDigits: 6, warnings: [], error: null, connections: [],
      kerberos: [], krbStore: new KrbStore(), icmp: [], tcpPorts: [], udpPorts: [], fragments: 0,
      tunnels: { packets: 0, kinds: [] }, preTcp: { netbeui: 0, ipx: 0 }, probes: [], pktmon: null, quic: [],
    };
  }

  /**
   * Fold closed connections into their records as they close (model/fold.ts; failing ones too
   * unless `failing` is false: model/foldFailing.ts); their
   * records go to `sink` if given, else to buildReport. Off unless asked (and never with secrets:
   * analyze.ts asks only without them); before the first record.
   */
  foldAtClose(sink: ConnectionSink | null = null, failing = true): void {
    this.folder = new Folder(this.m, sink, (c) => this.unfolded(c), failing, (c) => this.rowOpen(c), (stream) => this.conns.get(stream));
    this.m.folded = this.folder.folded;
  }

  /** `c`, its SYNs unanswered so far, as a row of model/pendingTcp.ts if it is one: its model and open ladder go. */
  private rowOpen(c: ConnModel): void {
    if (this.conns.get(c.stream) !== c || !this.m.folded?.pending?.takeOpen(c, this.ladderLength(c))) return;
    this.ladders.drop(c.ladderAt);
    c.ladderAt = -1;
    this.unfolded(c);
  }

  /** The model of `stream` again, if it waited as a row of unanswered SYNs (model/pendingTcp.ts): as it was, its ladder open again. */
  private revived(stream: number): ConnModel | undefined {
    const p = this.m.folded?.pending, c = p?.revive(stream);
    if (!c) return undefined;
    for (const s of c.syns) c.ladderAt = this.ladders.add(c.ladderAt, s.frame, s.ts, s.fromClient, tcpFlagsText(s.flags), "tcp", null, false);
    this.conns.set(stream, c);
    this.m.connections.splice(orderIndex(this.m.connections, c.order), 0, c);
    if (this.folder) p!.watch(c);
    return c;
  }

  /** The model as built so far (tests watch the fold with it). */
  get model(): CaptureModel { return this.m; }

  /** A folded connection's model goes: from the lookup by stream and the model's list. */
  private unfolded(c: ConnModel): void {
    if (this.conns.get(c.stream) === c) this.conns.delete(c.stream);
    const l = this.m.connections;
    // found by its order (the list is in ConnModel.order: flows are pushed as they start, revived
    // puts one back in its place), not by a scan from the end past the connections opened after
    // it; by the scan if it is not there (never seen)
    let i = orderIndex(l, c.order);
    if (l[i] !== c) { i = l.length - 1; while (i >= 0 && l[i] !== c) i--; }
    if (i < 0) return;
    // (moved down by hand: a splice makes an array of what it takes out, one per fold; taking
    // them out in batches instead kept the folded models alive longer: +1 s CPU and +10 MiB on
    // smb1m-1g, the collector's)
    for (let j = i + 1; j < l.length; j++) l[j - 1] = l[j];
    l.pop();
  }

  /** One event object (tests, the decrypt stage); the analysis hands records in place (record). */
  add(ev: RawEvent): void { this.record(this.reader.of(ev)); }

  /** One event: `ev` is read only during the call (see EventRecord). */
  record(ev: EventRecord): void {
    this.folder?.before(ev);
    if (this.krbEnded.length !== 0 && ev.frame > this.krbEndFrame) this.krbFlowsEnded();
    switch (ev.kind) {
      case C.EV_CAPTURE: {
        const f = ev.event().f;
        this.m.format = formatName(f.format as number);
        // an ETL trace may be pktmon's, whose drops attach to connections at the end (model/pktmon.ts)
        if (this.m.format === "etl") this.folder = null;
        const lt = LINK_TYPES[f.linktype as number] ?? `LINKTYPE_${f.linktype}`;
        if (!this.m.linkTypes.includes(lt)) this.m.linkTypes.push(lt);
        const r = f.tsresol as number;
        this.m.tsDigits = (r & 0x80) !== 0 ? 9 : Math.min(9, r);
        return;
      }
      case C.EV_WARNING:
      case C.EV_ERROR: {
        // pktmon's drops are summed up from their own records, per component and reason (finish)
        const e = ev.event();
        if (e.kind === C.EV_WARNING && e.f.code === C.W_PKTMON_DROPS) return;
        // decoding stopped for memory (analyze.ts) in the middle of a record: not the file's fault
        if (this.memoryStop?.at !== undefined && e.kind === C.EV_WARNING && e.f.code === C.W_TRUNCATED_RECORD) return;
        const p = describeProblem(e, this.m.file);
        if (e.kind === C.EV_WARNING && e.f.code === C.W_PKTMON_COPIES) {
          // said in finish, with the adapter's addresses from the rundown that may come later
          this.folder = null;
          (this.m.pktmon ??= emptyPktmon()).analysed = { component: Number(e.f.value as bigint), skipped: Number(e.f.value2 as bigint), text: p.text };
          return;
        }
        if (p.fatal) { this.m.error = p.text; if (p.code === C.E_NETMON) this.m.format = "netmon"; }
        else if (!this.warningSet.has(p.text) && this.warningSet.size < 50) { this.warningSet.add(p.text); this.m.warnings.push(p.text); }
        return;
      }
      case C.EV_FLOW: {
        // the addresses and the server's endpoint recur on many connections: one string each, as
        // far as ipText's and endpoint's own tables (by the address bytes; by the address and
        // port) keep them, flat (no intern again: a second hash of every text and a miss in its
        // table for each new client, 2 % of smb1m-1g's CPU, for the few a collision had replaced).
        // The client's endpoint is new on nearly every connection: made, not looked up (endpointMade)
        const client = ipText(ev.view(C.F_SRC_IP)), server = ipText(ev.view(C.F_DST_IP));
        const dstPort = ev.u32(C.F_DST_PORT) as number;
        const ce = endpointMade(client, ev.u32(C.F_SRC_PORT) as number), se = endpoint(server, dstPort);
        if (ev.u32(C.F_FLOW_PROTO) === C.FLOWP_KRB) { this.krbFlows.set(ev.stream, { client: ce, server: se, clientIp: client, serverIp: server, fin: 0 }); return; }
        const ts = ev.tsMs();
        const c: ConnModel = {
          order: this.flows++, stream: ev.stream, client: ce, server: se, clientIp: client, serverIp: server,
          serverPort: dstPort, midstream: ev.u32(C.F_VALUE) === 1, firstFrame: ev.frame, lastFrame: ev.frame,
          firstTs: ts, lastTs: ts, syns: NONE, negotiates: NONE, sessions: NONE, trees: NONE, smb1: false,
          smbMessages: 0, encrypted: null, gaps: NONE, pending: null, ladder: NONE, ladderOverflow: 0, ladderDropped: false, ladderKept: false, ladderAt: -1,
          // the usual optional fields too, in one order: one hidden class for nearly every
          // connection (added as events came, they made 20, and every read of a connection's field
          // by the summary and the rules was a megamorphic lookup), and no property array grown per
          // connection. The rare ones (notSmb, icmp, drops, decryption) are added when they come.
          answeredSmb: undefined, synAck: undefined, rst: undefined, finClient: undefined, finServer: undefined,
          logoff: undefined, nbssRequest: undefined, nbssResponse: undefined, negotiateBareAck: undefined, beyond: undefined,
        };
        this.conns.set(ev.stream, c);
        this.m.connections.push(c);
        if (this.folder) this.m.folded?.pending?.watch(c);
        return;
      }
      case C.EV_KRB: return this.krb(ev);
      case C.EV_ICMP: return this.icmp(ev);
      case C.EV_PKTMON_DROP: this.folder = null; return pktmonDrop((this.m.pktmon ??= emptyPktmon()), ev.event());
      case C.EV_PKTMON_INFO: this.folder = null; return pktmonInfo((this.m.pktmon ??= emptyPktmon()), ev.event());
      case C.EV_QUIC: case C.EV_QUIC_FLOW: return this.quic.add(ev);
      case C.EV_SUMMARY: {
        const f = ev.event().f;
        this.m.packets = Number(f.packets as bigint);
        this.m.fragments = Number((f.ipFragments as bigint | undefined) ?? 0n);
        const first = f.firstTs as bigint | undefined, last = f.lastTs as bigint | undefined;
        if (first !== undefined && first !== 0n) { this.m.firstTsNs = first; this.m.firstTs = tsMs(first); }
        if (last !== undefined && last !== 0n) { this.m.lastTsNs = last; this.m.lastTs = tsMs(last); }
        this.m.tcpPorts = ports(f.tcpPorts);
        this.m.udpPorts = ports(f.udpPorts);
        this.m.tunnels = { packets: Number((f.tunnelPackets as bigint | undefined) ?? 0n), kinds: tunnelNames((f.tunnels as number | undefined) ?? 0) };
        this.m.preTcp = { netbeui: Number((f.netbeuiFrames as bigint | undefined) ?? 0n), ipx: Number((f.ipxSmbFrames as bigint | undefined) ?? 0n) };
        return;
      }
    }
    const c = this.conns.get(ev.stream) ?? this.revived(ev.stream);
    if (!c) { if (ev.kind === C.EV_TCP) this.krbTcp(ev); return; }
    // (the time in a field of the builder, not an argument: a double passed to a handler is a
    // number object made per event, a million per 50,000 connections)
    const ts = (this.ts = ev.tsMs());
    if (ev.frame > c.lastFrame) c.lastFrame = ev.frame;
    if (ts > c.lastTs) c.lastTs = ts;
    switch (ev.kind) {
      case C.EV_TCP: return this.tcp(c, ev);
      case C.EV_NBSS: return this.nbss(c, ev);
      case C.EV_SMB2: case C.EV_SMB1: this.smb(c, ev); this.folder?.smb(c, ev); return;
      case C.EV_SMB_TRANSFORM:
        if (!c.encrypted) { c.encrypted = { count: 0, firstFrame: ev.frame }; this.step(c, ev, "encrypted message", "encrypted"); }
        c.encrypted.count++;
        return;
      case C.EV_SMB_COMPRESSED:
        if (!ev.has(C.F_DECOMPRESSED)) c.smbMessages++; // (else its EV_SMB2 records count)
        return;
      case C.EV_NOT_SMB:
        c.notSmb ??= { frame: ev.frame, fromClient: ev.fromClient, bytes: ev.u32(C.F_LEN) as number, start: ev.n64(C.F_VALUE) ?? 0 };
        return;
      case C.EV_GAP: {
        const len = ev.u32(C.F_LEN) as number;
        c.gaps = appended(c.gaps, { frame: ev.frame, bytes: len, fromClient: ev.fromClient });
        this.step(c, ev, `${len} bytes missing from the capture`, "gap", undefined, true);
        return;
      }
    }
  }

  /** A ladder step of the event being read (at this.ts). */
  private step(c: ConnModel, ev: EventRecord, label: string, kind: ConnModel["ladder"][number]["kind"], status?: string | null, error?: boolean) {
    if (c.ladderDropped) return;
    if (this.ladderLength(c) >= LADDER_MAX) { c.ladderOverflow++; return; }
    // until the connection closes, in OpenLadders (made steps when the ladder stays: closed)
    if (!c.ladderKept) { c.ladderAt = this.ladders.add(c.ladderAt, ev.frame, this.ts, ev.fromClient, label, kind, status, error); return; }
    const l = ladderStep(ev.frame, this.ts, ev.fromClient, label, kind, status, error);
    // (a ladder that stayed, of a connection that goes on after its close: a reset after FIN)
    if (c.ladder.length === 0) c.ladder = [l];
    else c.ladder.push(l);
  }

  /** The number of steps of `c`'s ladder so far. */
  private ladderLength(c: ConnModel): number {
    return c.ladderAt >= 0 ? this.ladders.length(c.ladderAt) : c.ladder.length;
  }

  private tcp(c: ConnModel, ev: EventRecord): void {
    const ts = this.ts;
    const flags = ev.u32(C.F_TCP_FLAGS) as number;
    const syn = (flags & 2) !== 0, ack = (flags & 16) !== 0, rst = (flags & 4) !== 0, fin = (flags & 1) !== 0;
    // (made only for the flags kept: the other TCP events are only ladder steps)
    const t = syn || rst || fin ? { frame: ev.frame, ts, flags, fromClient: ev.fromClient } : null;
    const delayNs = ev.n64(C.F_DELAY_NS);
    if (delayNs !== undefined) {
      // A bare ACK from the server after a setup request
      const delayMs = delayNs / 1e6;
      const leg = c.sessions[c.sessions.length - 1];
      const neg = c.negotiates[c.negotiates.length - 1];
      if (leg && !leg.resp && !leg.bareAck && (!neg?.req || leg.req.frame > neg.req.frame)) leg.bareAck = { frame: ev.frame, delayMs };
      else if (neg?.req && !neg.resp && !c.negotiateBareAck) c.negotiateBareAck = { frame: ev.frame, delayMs };
      this.step(c, ev, ackLabel(delayNs, delayMs), "tcp");
      return;
    }
    if (t) {
      if (syn && !ack) c.syns = appended(c.syns, t);
      else if (syn && ack) c.synAck ??= t;
      if (rst) c.rst ??= t;
      if (fin) { if (ev.fromClient) c.finClient ??= t; else c.finServer ??= t; }
    }
    this.step(c, ev, tcpFlagsText(flags), "tcp", null, rst);
    if (rst || (c.finClient && c.finServer)) this.closed(c);
  }

  /** A connection ended: decide whether its ladder stays (memory budget, see KEEP_LADDERS_*). */
  private closed(c: ConnModel): void {
    this.chain.delete(c.stream);
    this.folder?.closed(c, c.lastFrame); // (this frame's: its TCP event is the last record read)
    if (c.ladderDropped || this.ladderLength(c) === 0 || c.ladderKept) return;
    // both budgets spent (all but the first ~1,200 connections of a busy capture): dropped
    // either way, without judging the connection first
    const spent = this.laddersProblem >= KEEP_LADDERS_PROBLEM && this.laddersOk >= KEEP_LADDERS_OK;
    // (the established attempt found once for both: a busy capture of healthy connections never
    // spends the problem budget, so every connection is judged here)
    const est = spent ? undefined : establishedAttempt(c);
    const auth = spent ? null : authOf(c, est);
    const problem = !spent && (outcomeOf(c, null, est).outcome !== "ok" || c.gaps.length > 0 || c.midstream || c.encrypted !== null || auth === "guest" || auth === "anonymous");
    const keep = !spent && (problem ? this.laddersProblem++ < KEEP_LADDERS_PROBLEM : this.laddersOk++ < KEEP_LADDERS_OK);
    if (keep) { c.ladderKept = true; c.ladder = this.ladders.take(c.ladderAt); }
    else { this.ladders.drop(c.ladderAt); c.ladder = NONE; c.ladderDropped = true; }
    c.ladderAt = -1;
    c.pending = null;
    this.closeOpen(c);
  }

  /** The requests after the setup that `c` awaits answers to are let go: its connection closed (or the capture ended). */
  private closeOpen(c: ConnModel): void {
    const b = c.beyond;
    if (!b) return;
    if (b.open !== null) this.open.drop(b.open);
    b.open = null;
  }

  private nbss(c: ConnModel, ev: EventRecord): void {
    const ts = this.ts;
    const type = ev.u32(C.F_NBSS_TYPE) as number;
    if (type === W.NBSS_REQUEST) {
      c.nbssRequest = { frame: ev.frame, ts, called: nbName(ev.str(C.F_NB_CALLED)), calling: nbName(ev.str(C.F_NB_CALLING)) };
      this.step(c, ev, `NetBIOS session request to ${c.nbssRequest.called ?? "?"}`, "nbss");
    } else if (type === W.NBSS_POSITIVE || type === W.NBSS_NEGATIVE) {
      const error = ev.u32(C.F_NB_ERROR);
      c.nbssResponse = { frame: ev.frame, ts, positive: type === W.NBSS_POSITIVE, error };
      this.step(c, ev, type === W.NBSS_POSITIVE ? "NetBIOS session accepted" : `NetBIOS session refused (error 0x${(error ?? 0).toString(16)})`, "nbss", null, type === W.NBSS_NEGATIVE);
    }
  }

  private smb(c: ConnModel, ev: EventRecord): void {
    const ts = this.ts;
    const smb1 = ev.kind === C.EV_SMB1;
    const cmd = ev.u32(C.F_CMD);
    if (cmd === undefined) return; // a header the capture cut off
    if (!smb1 && cmd > W.SMB2_TREE_DISCONNECT) return this.beyond(c, ev, cmd);
    c.smbMessages++;
    if (!ev.fromClient) c.answeredSmb = true;
    if (smb1) c.smb1 = true;
    const resp = ev.u32(C.F_RESPONSE) === 1;
    // An SMB1 server without NT status support answers with a DOS error class and code (MS-CIFS
    // 2.2.2.4): the model keeps the NTSTATUS it stands for (what the rules know) and its name.
    const st = ev.u32(C.F_STATUS), dosClass = ev.u32(C.F_DOS_CLASS);
    const dos = st === undefined && dosClass !== undefined;
    const status = dos ? dosErrorStatus(dosClass, ev.u32(C.F_DOS_CODE) as number, cmd) : (st ?? 0);
    const dosError = dos && dosClass !== 0 ? dosErrorLabel(dosClass, ev.u32(C.F_DOS_CODE) as number) : undefined;
    const key = smb1 ? this.smb1Key(c, ev, cmd) : u64Key(ev, C.F_MSG_ID) ?? 0;
    const isNeg = smb1 ? cmd === W.SMB1_NEGOTIATE : cmd === W.SMB2_NEGOTIATE;
    const isSs = smb1 ? cmd === W.SMB1_SESSION_SETUP_ANDX : cmd === W.SMB2_SESSION_SETUP;
    const isTc = smb1 ? cmd === W.SMB1_TREE_CONNECT_ANDX : cmd === W.SMB2_TREE_CONNECT;
    const statusText = resp ? dosError ?? statusLabel(status >>> 0) : null;
    const failed = resp && (status >>> 0) >= 0xc0000000 && (status >>> 0) !== W.STATUS_MORE_PROCESSING_REQUIRED;
    // A response's request: by message id (SMB2), by PID, MID, UID, TID and command (SMB1)
    let p = resp ? takePending(c, key) : NO_PENDING;
    if (p === NO_PENDING && resp && isNeg) {
      // An SMB1 multi-protocol NEGOTIATE answered by an SMB2 NEGOTIATE response (MS-SMB2 3.3.5.3.1)
      // or, in odd stacks, an SMB1 answer with another MID: the open NEGOTIATE is the request
      const last = c.negotiates[c.negotiates.length - 1];
      if (last?.req && !last.resp && (smb1 || last.req.smb1)) { p = pendingCode(P_NEG, c.negotiates.length - 1); dropPending(c, p); }
    }
    const isSetup = isNeg || isSs || isTc || cmd === (smb1 ? W.SMB1_LOGOFF_ANDX : W.SMB2_LOGOFF) || (!smb1 && cmd === W.SMB2_TREE_DISCONNECT);
    const dialect = isNeg ? ev.u32(C.F_DIALECT) : undefined;
    let smb1Dialect: string | null | undefined;
    if (isNeg && resp && smb1) {
      const idx = dialect;
      const req = pendingKind(p) === P_NEG ? c.negotiates[pendingIndex(p)].req : undefined;
      // the name is in the request; without it (capture started later) the index says nothing
      smb1Dialect = idx === undefined || idx === 0xffff ? null : (req?.smb1 ? req.dialects[idx] : undefined) ?? "unknown";
    }
    const tree = isTc && !resp ? ev.str(C.F_TREE) : undefined;
    if (isSetup || failed || this.ladderLength(c) < 24) {
      let label = cmdLabel(smb1, cmd, resp);
      const withDialect = isNeg && resp && dialect !== undefined;
      if (ev.decrypted) {
        if (tree !== undefined) label += ` ${tree}`;
        label += " (decrypted)";
        if (withDialect) label += dialectSuffix(smb1, dialect, smb1Dialect);
      } else if (tree !== undefined) label = treeLabel(label, tree);
      else if (withDialect) label = dialectLabel(label, smb1, dialect, smb1Dialect);
      // Only a failed setup step is marked as the failure (IOCTL STATUS_NOT_FOUND for a DFS
      // referral, say, is routine)
      this.step(c, ev, label, "smb", statusText, failed && (isNeg || isSs || isTc));
    }
    if (!resp) {
      if (cmd === (smb1 ? W.SMB1_LOGOFF_ANDX : W.SMB2_LOGOFF)) c.logoff ??= { frame: ev.frame, ts, fromClient: ev.fromClient };
      if (isNeg) {
        const ciphers = ev.view(C.F_CIPHERS);
        const info: NegotiateInfo = {
          req: {
            frame: ev.frame, ts, smb1,
            dialects: dialectList(ev.view(C.F_DIALECTS), smb1),
            secMode: ev.u32(C.F_SEC_MODE), caps: ev.u32(C.F_CAPS),
            ciphers: ciphers !== undefined ? u16list(ciphers) : undefined,
            netname: ev.str(C.F_NETNAME),
          },
          resp: undefined, // (every field in the literal: one hidden class, no property array added later)
        };
        c.negotiates = appended(c.negotiates, info);
        addPending(c, key, pendingCode(P_NEG, c.negotiates.length - 1));
      } else if (isSs) {
        // one literal (a spread plus extra properties gave every object its own hidden class)
        c.sessions = appended(c.sessions, { req: {
          frame: ev.frame, ts, smb1, auth: authFacts(ev),
          secMode: ev.u32(C.F_SEC_MODE), flags: ev.u32(C.F_SESSION_FLAGS),
          sessionId: sessionIdOf(ev),
        }, resp: undefined, bareAck: undefined });
        addPending(c, key, pendingCode(P_SS, c.sessions.length - 1));
      } else if (isTc) {
        c.trees = appended(c.trees, { path: tree ?? "", req: ev.decrypted ? { frame: ev.frame, ts, smb1, decrypted: true } : { frame: ev.frame, ts, smb1 }, resp: undefined });
        addPending(c, key, pendingCode(P_TC, c.trees.length - 1));
      }
      return;
    }
    if ((status >>> 0) === W.STATUS_PENDING) {
      // interim response: the final one follows with the same message id
      if (p !== NO_PENDING) addPending(c, key, p, true);
      if (pendingKind(p) === P_SS) c.sessions[pendingIndex(p)].resp = undefined;
      return;
    }
    if (isNeg) {
      let info = pendingKind(p) === P_NEG ? c.negotiates[pendingIndex(p)] : undefined;
      if (!info) { info = { req: undefined, resp: undefined }; c.negotiates = appended(c.negotiates, info); }
      const ciphers = ev.view(C.F_CIPHERS);
      info.resp = {
        frame: ev.frame, ts, status: status >>> 0, smb1, dos: dosError,
        dialect: smb1 ? smb1Dialect ?? null : dialect !== undefined ? smb2Dialect(dialect) : null,
        secMode: ev.u32(C.F_SEC_MODE), caps: ev.u32(C.F_CAPS),
        ciphers: ciphers !== undefined ? u16list(ciphers) : undefined,
      };
    } else if (isSs) {
      const leg = pendingKind(p) === P_SS ? c.sessions[pendingIndex(p)] : undefined;
      const r = { frame: ev.frame, ts, status: status >>> 0, dos: dosError, sessionFlags: ev.u32(C.F_SESSION_FLAGS), auth: authFacts(ev), action: ev.u32(C.F_ACTION), sessionId: sessionIdOf(ev), smbFlags: ev.u32(C.F_SMB_FLAGS) };
      if (leg) leg.resp = r;
      else c.sessions = appended(c.sessions, { req: { frame: 0, ts, smb1, auth: NO_AUTH }, resp: r, bareAck: undefined });
    } else if (isTc) {
      const t = pendingKind(p) === P_TC ? c.trees[pendingIndex(p)] : undefined;
      const r = { frame: ev.frame, ts, status: status >>> 0, dos: dosError, shareFlags: ev.u32(C.F_SHARE_FLAGS), treeId: smb1 ? undefined : ev.u32(C.F_TREE_ID), sessionId: sessionIdOf(ev) };
      if (t) t.resp = r;
      else c.trees = appended(c.trees, { path: "", req: { frame: 0, ts, smb1 }, resp: r });
    }
  }

  /**
   * SMB2 messages after the setup, as diagnosis mode lets them through (assembly/proto/smb2.ts,
   * beyondSetup): CREATE requests (their names), DFS referral requests and IOCTL responses, and
   * the responses refused STATUS_USER_SESSION_DELETED or STATUS_PATH_NOT_COVERED. Kept: the first
   * MAX_BEYOND refusals and referrals of a connection, and the latest MAX_OPEN requests awaiting
   * an answer (a CREATE's name is wanted only if its answer is refused).
   */
  private beyond(c: ConnModel, ev: EventRecord, cmd: number): void {
    const ts = this.ts;
    const b: BeyondSetup = (c.beyond ??= { refused: NONE, referrals: NONE, open: -1 });
    const id = u64Key(ev, C.F_MSG_ID) ?? 0;
    const open = this.open;
    if (ev.u32(C.F_RESPONSE) !== 1) {
      if (b.open === null) return; // the connection closed
      const dfsPath = ev.str(C.F_DFS_PATH);
      const ctlCode = ev.u32(C.F_CTL_CODE);
      const isReferral = cmd === W.SMB2_IOCTL && (ctlCode === W.FSCTL_DFS_GET_REFERRALS || ctlCode === W.FSCTL_DFS_GET_REFERRALS_EX);
      if (cmd !== W.SMB2_CREATE && !isReferral) return;
      b.open = open.add(b.open, id, ev.frame, ts, cmd, ev.str(C.F_CREATE_NAME), ((ev.u32(C.F_SMB_FLAGS) ?? 0) & W.SMB2_FLAGS_DFS_OPERATIONS) !== 0, dfsPath, MAX_OPEN);
      // (not on the ladder: clients ask for referrals all the time, and the ladder is the handshake's)
      if (isReferral && b.referrals.length < MAX_BEYOND) b.referrals = appended(b.referrals, { req: { frame: ev.frame, ts, path: dfsPath }, resp: undefined });
      return;
    }
    c.answeredSmb = true;
    const status = (ev.u32(C.F_STATUS) ?? 0) >>> 0;
    if (status === W.STATUS_PENDING) return; // the final answer follows
    // its request, read and let go (-1: none waiting)
    const req = b.open !== null && b.open >= 0 ? open.find(b.open, id) : -1;
    let reqFrame = 0, reqTs = 0, reqCmd = -1, reqName: string | undefined, reqDfsOp = false, reqPath: string | undefined;
    if (req >= 0) {
      reqFrame = open.frame(req); reqTs = open.ts(req); reqCmd = open.cmd(req); reqName = open.name(req); reqDfsOp = open.dfsOp(req); reqPath = open.dfsPath(req);
      b.open = open.remove(b.open!, req);
    }
    if (reqPath !== undefined || reqCmd === W.SMB2_IOCTL) {
      const rs = b.referrals;
      for (let i = 0; i < rs.length; i++) if (rs[i].req.frame === reqFrame) { rs[i].resp = { frame: ev.frame, ts, status }; break; }
      return;
    }
    if (status !== W.STATUS_USER_SESSION_DELETED && status !== W.STATUS_PATH_NOT_COVERED) return;
    if (b.refused.length >= MAX_BEYOND) return;
    b.refused = appended(b.refused, {
      cmd,
      req: reqCmd === cmd ? { frame: reqFrame, ts: reqTs, name: reqName, dfsOp: reqDfsOp } : undefined,
      resp: { frame: ev.frame, ts, status, sessionId: ev.big(C.F_SESSION_ID), treeId: ev.u32(C.F_TREE_ID) },
    });
    this.step(c, ev, cmdLabel(false, cmd, true), "smb", statusLabel(status), true);
  }

  /**
   * The key an SMB1 response shares with its request (MS-CIFS 3.2.5.1): PID, MID and command, plus
   * the UID except for SESSION_SETUP_ANDX (its answer brings the new UID; so does a command chained
   * after it) and the TID except for NEGOTIATE and TREE_CONNECT_ANDX (the answer brings the new TID).
   */
  private smb1Key(c: ConnModel, ev: EventRecord, cmd: number): string {
    const chained = this.chain.get(c.stream);
    const inChain = chained !== undefined && chained.next === cmd;
    const noUid = cmd === W.SMB1_SESSION_SETUP_ANDX || cmd === W.SMB1_NEGOTIATE || (inChain && chained.noUid);
    const andx = ev.u32(C.F_ANDX);
    if (andx !== undefined && andx !== W.SMB1_NO_ANDX) this.chain.set(c.stream, { next: andx, noUid });
    else if (chained) this.chain.delete(c.stream);
    const noTid = cmd === W.SMB1_NEGOTIATE || cmd === W.SMB1_TREE_CONNECT_ANDX;
    const pid = ev.u32(C.F_SMB1_PID) ?? 0, mid = u64Key(ev, C.F_MSG_ID) ?? 0;
    const uid = noUid ? undefined : u64Key(ev, C.F_SESSION_ID), tid = noTid ? undefined : ev.u32(C.F_TREE_ID);
    // The wire's fields are 16 bits (PID 32): the key as one short string of their code units,
    // made at once (no number texts joined per message); marked by its first unit, which the
    // general form ("1:…", for any other value) never starts with. Equal keys either way exactly
    // when the fields are equal (an absent UID or TID is one value, as "" in the general form).
    if (cmd <= 0xffff && pid <= 0xffffffff && typeof mid === "number" && mid <= 0xffff && (uid === undefined || (typeof uid === "number" && uid <= 0xffff)) && (tid === undefined || tid <= 0xffff)) {
      return String.fromCharCode(1, (uid === undefined ? 0 : 1) | (tid === undefined ? 0 : 2), cmd, pid & 0xffff, pid >>> 16, mid, uid ?? 0, tid ?? 0);
    }
    return `1:${cmd}:${pid}:${mid}:${String(uid ?? "")}:${String(tid ?? "")}`;
  }

  /**
   * A TCP event of a stream with no connection: of a Kerberos flow, its close (RST, or FIN both
   * ways) lets it go once the capture is past that frame (its last messages may come in the same
   * packet, after its TCP event; no event of the stream comes after it: model/fold.ts). A
   * domain controller's capture has as many such flows as logons: smb1m's ~15,500 were all kept.
   */
  private krbTcp(ev: EventRecord): void {
    const fl = this.krbFlows.get(ev.stream);
    if (!fl || !krbFlowEnd.on) return;
    const flags = ev.u32(C.F_TCP_FLAGS) as number;
    if ((flags & 1) !== 0) fl.fin |= ev.fromClient ? 1 : 2;
    if ((flags & 4) !== 0 || fl.fin === 3) { this.krbEnded.push(ev.stream); this.krbEndFrame = ev.frame; }
  }

  private krbFlowsEnded(): void {
    for (const s of this.krbEnded) this.krbFlows.delete(s);
    this.krbEnded = [];
  }

  /** The Kerberos TCP flows it holds (tests). */
  get kerberosFlows(): number { return this.krbFlows.size; }

  private krb(ev: EventRecord): void {
    let src: string, dst: string, srcIp: string, dstIp: string, toKdc: boolean;
    if (ev.has(C.F_SRC_IP)) {
      srcIp = intern(ipText(ev.view(C.F_SRC_IP))); dstIp = intern(ipText(ev.view(C.F_DST_IP)));
      const srcPort = ev.u32(C.F_SRC_PORT), dstPort = ev.u32(C.F_DST_PORT);
      src = intern(endpoint(srcIp, srcPort as number)); dst = intern(endpoint(dstIp, dstPort as number));
      toKdc = dstPort === W.PORT_KERBEROS || srcPort !== W.PORT_KERBEROS;
    } else {
      const fl = this.krbFlows.get(ev.stream);
      if (!fl) return;
      [src, dst, srcIp, dstIp] = ev.fromClient ? [fl.client, fl.server, fl.clientIp, fl.serverIp] : [fl.server, fl.client, fl.serverIp, fl.clientIp];
      toKdc = ev.fromClient;
    }
    const store = this.m.krbStore!;
    if (store.length >= MAX_KRB_MESSAGES) return;
    const etypes = ev.view(C.F_KRB_ETYPES);
    let msgType = ev.u32(C.F_KRB_MSG_TYPE) ?? null;
    if (msgType !== null && !(msgType in KRB_MSG_TYPES)) msgType = null;
    const ts = ev.tsMs();
    store.push(ev.frame, ts, ev.u32(C.F_TRANSPORT) === C.PROTO_UDP, toKdc, ev.stream, msgType, ev.u32(C.F_KRB_ERROR) ?? null,
      src, dst, srcIp, dstIp, ev.str(C.F_KRB_REALM) ?? null, ev.str(C.F_KRB_CNAME) ?? null, ev.str(C.F_KRB_SNAME) ?? null,
      ev.str(C.F_KRB_ETEXT) ?? null, etypes instanceof Uint8Array ? i32list(etypes) : null);
    this.folder?.kerberos(store);
  }

  private icmp(ev: EventRecord): void {
    if (this.m.icmp.length >= MAX_ICMP) return;
    const qp = ev.u32(C.F_QUOTED_PROTO);
    this.m.icmp.push({
      frame: ev.frame, ts: ev.tsMs(), sender: ipText(ev.view(C.F_SRC_IP)), v6: ev.ipv6,
      type: ev.u32(C.F_ICMP_TYPE) as number, code: ev.u32(C.F_ICMP_CODE) as number,
      proto: qp === C.PROTO_TCP ? "tcp" : qp === C.PROTO_UDP ? "udp" : null,
      src: ipText(ev.view(C.F_QUOTED_SRC_IP)), dst: ipText(ev.view(C.F_QUOTED_DST_IP)),
      srcPort: ev.u32(C.F_QUOTED_SRC_PORT) ?? null, dstPort: ev.u32(C.F_QUOTED_DST_PORT) ?? null,
    });
  }

  finish(): CaptureModel {
    this.m.quic = this.quic.flows;
    // the unanswered SYNs still models: rows too, nothing comes after the end (model/pendingTcp.ts)
    const p = this.folder ? this.m.folded?.pending : undefined;
    if (p) {
      const keep: ConnModel[] = [];
      for (const c of this.m.connections) {
        if (!p.takeOpen(c, this.ladderLength(c))) { keep.push(c); continue; }
        this.ladders.drop(c.ladderAt);
        c.ladderAt = -1;
      }
      this.m.connections = keep;
    }
    for (const c of this.m.connections) {
      c.pending = null; this.closeOpen(c);
      // the ladders of the connections still open: steps, for buildReport's budget
      if (c.ladderAt >= 0) { c.ladder = this.ladders.take(c.ladderAt); c.ladderAt = -1; }
    }
    if (this.m.connections.some(probe)) {
      for (const c of this.m.connections) {
        if (!probe(c)) continue;
        const a = c.notSmb && !c.notSmb.fromClient ? c.notSmb : null;
        this.m.probes.push({ client: c.client, server: c.server, stream: c.stream, firstFrame: c.firstFrame,
          answerFrame: a?.frame ?? null, answerStart: a?.start ?? null, answerBytes: a?.bytes ?? 0 });
      }
      this.m.connections = this.m.connections.filter((c) => !probe(c));
    }
    if (this.m.pktmon) pktmonWarnings(this.m);
    // the lookups by stream are done with: let them go with the builder's other state
    this.conns.clear(); this.krbFlows.clear(); this.chain.clear();
    return this.m;
  }
}


/** The place of the first connection of `l` (in ConnModel.order) whose order is `order` or later. */
function orderIndex(l: readonly ConnModel[], order: number): number {
  let lo = 0, hi = l.length;
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (l[mid].order < order) lo = mid + 1; else hi = mid; }
  return lo;
}

/**
 * A u64 field (message or session id) as a key: the number while it is exact (below 2^53, as
 * every real id is), else the BigInt, never one allocated per message. Its decimal text is the
 * field's either way.
 */
function u64Key(ev: EventRecord, id: number): number | bigint | undefined {
  const n = ev.n64(id);
  return n === undefined || n <= Number.MAX_SAFE_INTEGER ? n : ev.big(id);
}

/**
 * A message's session id. Every request and answer of a session carries the same one: while it
 * is exact as a number, one BigInt per id (a small direct-mapped cache), not one per message.
 */
const SID_SLOTS = 256;
const sidNum = new Float64Array(SID_SLOTS).fill(-1);
const sidBig: (bigint | undefined)[] = new Array<bigint | undefined>(SID_SLOTS).fill(undefined);
function sessionIdOf(ev: EventRecord): bigint | undefined {
  const n = ev.n64(C.F_SESSION_ID);
  if (n === undefined) return undefined;
  if (n > Number.MAX_SAFE_INTEGER) return ev.big(C.F_SESSION_ID);
  const s = (n ^ (n / 4294967296)) & (SID_SLOTS - 1);
  if (sidNum[s] === n) return sidBig[s];
  const b = BigInt(n);
  sidNum[s] = n; sidBig[s] = b;
  return b;
}

/**
 * A request awaiting its response, as one number: which list (P_NEG: c.negotiates, P_SS:
 * c.sessions, P_TC: c.trees) and its index there. NO_PENDING: none.
 */
type Pending = number;
const P_NEG = 1, P_SS = 2, P_TC = 3, NO_PENDING = 0;
const pendingCode = (kind: number, index: number): Pending => index * 4 + kind;
const pendingKind = (p: Pending): number => p & 3;
const pendingIndex = (p: Pending): number => p >>> 2;

/**
 * Requests awaiting their response (ConnModel.pending): while few, one flat array of (key,
 * request) pairs, oldest first, scanned (a setup has one or two outstanding at a time, and the
 * array goes when it empties: no Map kept per connection); beyond PENDING_FLAT pairs (a client
 * whose requests go unanswered by the hundred) a Map of each key's requests, oldest first.
 * SMB1 requests sharing one key are answered in order.
 */
const PENDING_FLAT = 32;
/**
 * The key of a pair taken out of a flat array of one pair, kept (its request NO_PENDING) for the
 * connection's next request: a setup asks one thing at a time, and a new array for each was most
 * of what pairing allocated. No key is it (SMB1 keys start with a unit below "1:", builder.ts
 * smb1Key; SMB2 keys are numbers).
 */
const FREE_PAIR = "";

function addPending(c: ConnModel, key: PendingKey, p: Pending, first = false): void {
  const l = c.pending;
  if (l === null) { c.pending = [key, p]; return; }
  if (Array.isArray(l)) {
    if (l.length === 2 && l[0] === FREE_PAIR) { l[0] = key; l[1] = p; return; }
    if (l.length < 2 * PENDING_FLAT) {
      if (first) l.unshift(key, p); // (taken before the others of its key)
      else l.push(key, p);
      return;
    }
    const m = new Map<PendingKey, Pending[]>();
    for (let i = 0; i < l.length; i += 2) {
      const q = m.get(l[i]);
      if (q) q.push(l[i + 1] as Pending); else m.set(l[i], [l[i + 1] as Pending]);
    }
    c.pending = m;
  }
  const m = c.pending as Map<PendingKey, Pending[]>;
  const q = m.get(key);
  if (!q) m.set(key, [p]);
  else if (first) q.unshift(p);
  else q.push(p);
}

function takePending(c: ConnModel, key: PendingKey): Pending {
  const l = c.pending;
  if (l === null) return NO_PENDING;
  if (Array.isArray(l)) {
    for (let i = 0; i < l.length; i += 2) {
      if (l[i] !== key) continue;
      const p = l[i + 1] as Pending;
      if (l.length === 2) { l[0] = FREE_PAIR; l[1] = NO_PENDING; } else l.splice(i, 2);
      return p;
    }
    return NO_PENDING;
  }
  const q = l.get(key);
  if (!q) return NO_PENDING;
  const p = q.shift()!;
  if (q.length === 0) l.delete(key);
  return p;
}

/** Forget a request answered under another key (the SMB2 answer to an SMB1 NEGOTIATE). */
function dropPending(c: ConnModel, p: Pending): void {
  const l = c.pending;
  if (l === null) return;
  if (Array.isArray(l)) {
    for (let i = 1; i < l.length; i += 2) {
      if (l[i] !== p) continue;
      if (l.length === 2) { l[0] = FREE_PAIR; l[1] = NO_PENDING; } else l.splice(i - 1, 2);
      return;
    }
    return;
  }
  for (const [k, q] of l) {
    const i = q.indexOf(p);
    if (i >= 0) { q.splice(i, 1); if (q.length === 0) l.delete(k); return; }
  }
}

function nbName(v: unknown): string | undefined {
  if (typeof v !== "string" || v.length < 16) return typeof v === "string" ? v : undefined;
  const suffix = v.charCodeAt(15);
  return `${v.slice(0, 15).trimEnd()}<${suffix.toString(16).padStart(2, "0")}>`;
}

function tunnelNames(bits: number): string[] {
  const names: [number, string][] = [[W.TUN_GRE, "GRE"], [W.TUN_GRETAP, "GRE (Ethernet)"], [W.TUN_ERSPAN1, "ERSPAN type I"],
    [W.TUN_ERSPAN2, "ERSPAN type II"], [W.TUN_ERSPAN3, "ERSPAN type III"], [W.TUN_VXLAN, "VXLAN"], [W.TUN_GENEVE, "Geneve"]];
  return names.filter(([b]) => (bits & b) !== 0).map(([, n]) => n);
}

function ports(b: unknown): [number, number][] {
  if (!(b instanceof Uint8Array)) return [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: [number, number][] = [];
  for (let i = 0; i + 6 <= b.length; i += 6) out.push([dv.getUint16(i, true), dv.getUint32(i + 2, true)]);
  return out;
}

/**
 * Only flows whose bytes are SMB both ways are SMB connections: an SMB client answered by another
 * protocol, or sent to a port that is not SMB's and never answered in SMB, is a probe (finish
 * moves it to CaptureModel.probes; model/foldDiagnosed.ts folds none).
 */
export function probe(c: ConnModel): boolean {
  return c.notSmb !== undefined || (c.serverPort !== W.PORT_SMB && c.serverPort !== W.PORT_NBSS && !c.answeredSmb && !c.nbssResponse);
}
