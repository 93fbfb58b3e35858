// The Kerberos messages of a capture while it is decoded (issue 15): typed columns and one table
// of the texts they share, instead of an object per message. A domain controller's capture holds
// tens of thousands (the dense bench: 60,661, ~20 MB as KrbMsg objects with their own strings, the
// largest part of the model while decoding; here ~4 MB). Nothing reads them before the Report is
// made, which takes them as KrbMsg objects (messages) for the pairing and the rules, and makes the
// Report's records from the columns once those objects are gone (reportBuilder.ts).
import type { KrbMsg } from "./types";

/** The model keeps at most this many Kerberos messages (the rest of a capture's are not read). */
export const MAX_KRB_MESSAGES = 100_000;

const UDP = 1, TO_KDC = 2;
/** a number field without a value */
const NONE = -1;

export class KrbStore {
  length = 0;
  private frame = new Float64Array(0);
  private ts = new Float64Array(0);
  private stream = new Int32Array(0);
  private flags = new Uint8Array(0);
  /** msgType and errorCode, NONE for none (a u32 from the decoder: never negative) */
  private msgType = new Float64Array(0);
  private errorCode = new Float64Array(0);
  /** per message, its eight texts (src, dst, srcIp, dstIp, realm, cname, sname, etext) as text ids, 0 for none */
  private texts = new Uint32Array(0);
  /** per message, its etype list's id, 0 for none */
  private etypes = new Uint32Array(0);
  /** the distinct texts (id - 1) and their ids */
  private readonly text: string[] = [];
  private readonly textId = new Map<string, number>();
  /** the distinct etype lists (id - 1): the builder's shared lists (builder.ts i32list), one per content */
  private readonly lists: number[][] = [];
  private readonly listId = new Map<number[], number>();

  /** Keeps one message, with KrbMsg's fields (the caller checks MAX_KRB_MESSAGES). */
  push(frame: number, ts: number, udp: boolean, toKdc: boolean, stream: number, msgType: number | null, errorCode: number | null,
    src: string, dst: string, srcIp: string, dstIp: string, realm: string | null, cname: string | null, sname: string | null, etext: string | null,
    etypes: number[] | null): void {
    const i = this.length;
    if (i === this.frame.length) this.grow();
    this.frame[i] = frame;
    this.ts[i] = ts;
    this.stream[i] = stream;
    this.flags[i] = (udp ? UDP : 0) | (toKdc ? TO_KDC : 0);
    this.msgType[i] = msgType ?? NONE;
    this.errorCode[i] = errorCode ?? NONE;
    const t = i * 8;
    this.texts[t] = this.id(src); this.texts[t + 1] = this.id(dst);
    this.texts[t + 2] = this.id(srcIp); this.texts[t + 3] = this.id(dstIp);
    this.texts[t + 4] = this.id(realm); this.texts[t + 5] = this.id(cname);
    this.texts[t + 6] = this.id(sname); this.texts[t + 7] = this.id(etext);
    this.etypes[i] = this.list(etypes);
    this.length = i + 1;
  }

  /** Message `i` as an object (a new one each time). */
  message(i: number): KrbMsg {
    const t = i * 8, f = this.flags[i], e = this.etypes[i];
    const mt = this.msgType[i], err = this.errorCode[i];
    return {
      frame: this.frame[i], ts: this.ts[i], transport: f & UDP ? "udp" : "tcp",
      src: this.str(t)!, dst: this.str(t + 1)!, srcIp: this.str(t + 2)!, dstIp: this.str(t + 3)!,
      toKdc: (f & TO_KDC) !== 0, stream: this.stream[i],
      msgType: mt === NONE ? null : mt, errorCode: err === NONE ? null : err,
      realm: this.str(t + 4), cname: this.str(t + 5), sname: this.str(t + 6), etext: this.str(t + 7),
      etypes: e === 0 ? null : this.lists[e - 1],
    };
  }

  /** Every message as an object, in capture order. */
  messages(): KrbMsg[] {
    const out = new Array<KrbMsg>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.message(i);
    return out;
  }

  private str(t: number): string | null {
    const id = this.texts[t];
    return id === 0 ? null : this.text[id - 1];
  }

  private id(s: string | null): number {
    if (s === null) return 0;
    let id = this.textId.get(s);
    if (id === undefined) { this.text.push(s); this.textId.set(s, (id = this.text.length)); }
    return id;
  }

  private list(l: number[] | null): number {
    if (l === null) return 0;
    let id = this.listId.get(l);
    if (id === undefined) { this.lists.push(l); this.listId.set(l, (id = this.lists.length)); }
    return id;
  }

  private grow(): void {
    const n = Math.min(MAX_KRB_MESSAGES, Math.max(256, this.frame.length * 2));
    const more = <T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(a: T, per = 1): T => {
      const b = new (a.constructor as new (n: number) => T)(n * per);
      b.set(a);
      return b;
    };
    this.frame = more(this.frame); this.ts = more(this.ts); this.stream = more(this.stream);
    this.flags = more(this.flags); this.msgType = more(this.msgType); this.errorCode = more(this.errorCode);
    this.texts = more(this.texts, 8); this.etypes = more(this.etypes);
  }
}
