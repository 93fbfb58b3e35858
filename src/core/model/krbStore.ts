// The Kerberos messages of a capture while it is decoded (issue 15): typed columns and one table
// of the texts they share, instead of an object per message. A domain controller's capture holds
// tens of thousands (the dense bench: 60,661, ~20 MB as KrbMsg objects with their own strings, the
// largest part of the model while decoding; here ~4 MB). Nothing reads them before the Report is
// made, which takes them as KrbMsg objects that read the columns (KrbMessage) for the pairing and
// the rules, and makes the Report's records once the connections' models are gone (reportBuilder.ts).
import type { KrbMsg } from "./types";
import { u32Column, f64Column, I32Column, U8Column } from "./column";


/** The model keeps at most this many Kerberos messages (the rest of a capture's are not read). */
export const MAX_KRB_MESSAGES = 100_000;

const UDP = 1, TO_KDC = 2;
/** a number field without a value */
const NONE = -1;

export class KrbStore {
  length = 0;
  private readonly frame = f64Column();
  private readonly ts = f64Column();
  private readonly stream = new I32Column();
  private readonly flags = new U8Column();
  /** msgType and errorCode, NONE for none (a u32 from the decoder: never negative) */
  private readonly msgType = f64Column();
  private readonly errorCode = f64Column();
  /** per message, its eight texts (src, dst, srcIp, dstIp, realm, cname, sname, etext) as text ids, 0 for none */
  private readonly texts = u32Column();
  /** per message, its etype list's id, 0 for none */
  private readonly etypes = u32Column();
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
    this.frame.push(frame);
    this.ts.push(ts);
    this.stream.push(stream);
    this.flags.push((udp ? UDP : 0) | (toKdc ? TO_KDC : 0));
    this.msgType.push(msgType ?? NONE);
    this.errorCode.push(errorCode ?? NONE);
    const t = this.texts;
    t.push(this.id(src)); t.push(this.id(dst)); t.push(this.id(srcIp)); t.push(this.id(dstIp));
    t.push(this.id(realm)); t.push(this.id(cname)); t.push(this.id(sname)); t.push(this.id(etext));
    this.etypes.push(this.list(etypes));
    this.length++;
  }

  /** Message `i` as an object that reads the columns (a new one each time: ~40 bytes, not ~170). */
  message(i: number): KrbMsg {
    return new KrbMessage(this, i);
  }

  /** Every message as an object, in capture order. */
  messages(): KrbMsg[] {
    const out = new Array<KrbMsg>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = new KrbMessage(this, i);
    return out;
  }

  /** (KrbMessage's reads) */
  frameOf(i: number): number { return this.frame.get(i); }
  tsOf(i: number): number { return this.ts.get(i); }
  streamOf(i: number): number { return this.stream.get(i); }
  flagsOf(i: number): number { return this.flags.get(i); }
  msgTypeOf(i: number): number | null { const v = this.msgType.get(i); return v === NONE ? null : v; }
  errorCodeOf(i: number): number | null { const v = this.errorCode.get(i); return v === NONE ? null : v; }
  /** text `k` (0 src, 1 dst, 2 srcIp, 3 dstIp, 4 realm, 5 cname, 6 sname, 7 etext) of message `i` */
  textOf(i: number, k: number): string | null { return this.str(i * 8 + k); }
  etypesOf(i: number): number[] | null { const e = this.etypes.get(i); return e === 0 ? null : this.lists[e - 1]; }

  private str(t: number): string | null {
    const id = this.texts.get(t);
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
}

/**
 * A Kerberos message as the rules read it (KrbMsg), its fields read from the store's columns: the
 * end of a domain controller's capture holds tens of thousands of these at once (the pairing and
 * the rules read them all), ~40 bytes each instead of an object of 16 fields with a boxed time.
 */
class KrbMessage implements KrbMsg {
  constructor(private readonly s: KrbStore, private readonly i: number) {}
  get frame(): number { return this.s.frameOf(this.i); }
  get ts(): number { return this.s.tsOf(this.i); }
  get transport(): "tcp" | "udp" { return this.s.flagsOf(this.i) & UDP ? "udp" : "tcp"; }
  get src(): string { return this.s.textOf(this.i, 0)!; }
  get dst(): string { return this.s.textOf(this.i, 1)!; }
  get srcIp(): string { return this.s.textOf(this.i, 2)!; }
  get dstIp(): string { return this.s.textOf(this.i, 3)!; }
  get toKdc(): boolean { return (this.s.flagsOf(this.i) & TO_KDC) !== 0; }
  get stream(): number { return this.s.streamOf(this.i); }
  get msgType(): number | null { return this.s.msgTypeOf(this.i); }
  get errorCode(): number | null { return this.s.errorCodeOf(this.i); }
  get realm(): string | null { return this.s.textOf(this.i, 4); }
  get cname(): string | null { return this.s.textOf(this.i, 5); }
  get sname(): string | null { return this.s.textOf(this.i, 6); }
  get etext(): string | null { return this.s.textOf(this.i, 7); }
  get etypes(): number[] | null { return this.s.etypesOf(this.i); }
}
