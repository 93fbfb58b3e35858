// The SMB2 requests after the setup that await their answer (builder.ts beyond: CREATEs, DFS
// referral requests), of every connection, in typed columns: one list per connection (its newest
// request first, each the index of the one before), instead of a Map and an object per request
// for each connection (smb1m-1g: ~400 B a connection, a Map made and let go by each of them).
// A list keeps what a Map in insertion order would: one request per message id (a request again
// with an id waiting already takes its place), and at most `max` of them (the oldest let go).

/** A message id as builder.ts u64Key gives it: a number while exact, else its BigInt. */
export type RequestId = number | bigint;

export class OpenRequests {
  private id = new Float64Array(256);
  private frames = new Float64Array(256);
  private times = new Float64Array(256);
  private cmds = new Uint16Array(256);
  private flags = new Uint8Array(256);
  /** the request after it in its list (older; -1: none), or the next free one */
  private next = new Int32Array(256);
  /** the number of requests of the list whose newest (head) this is */
  private count = new Int32Array(256);
  private readonly bigIds: (bigint | undefined)[] = [];
  private readonly names: (string | undefined)[] = [];
  private readonly paths: (string | undefined)[] = [];
  private free = -1;
  private top = 0;

  /**
   * Request `id` added to the list whose newest is `head` (-1: an empty list): the list's new
   * head. With `max` requests waiting, the oldest goes first; one with the same id is replaced
   * where it is in the list.
   */
  add(head: number, id: RequestId, frame: number, ts: number, cmd: number, name: string | undefined, dfsOp: boolean, dfsPath: string | undefined, max: number): number {
    if (head >= 0 && this.count[head] >= max) head = this.removeOldest(head);
    let i = head >= 0 ? this.find(head, id) : -1;
    const fresh = i < 0;
    if (fresh) {
      i = this.free;
      if (i >= 0) this.free = this.next[i];
      else {
        if (this.top === this.id.length) this.grow();
        i = this.top++;
      }
    }
    if (typeof id === "number") { this.id[i] = id; this.bigIds[i] = undefined; } else { this.id[i] = Number.NaN; this.bigIds[i] = id; }
    this.frames[i] = frame; this.times[i] = ts; this.cmds[i] = cmd; this.flags[i] = dfsOp ? 1 : 0;
    this.names[i] = name; this.paths[i] = dfsPath;
    if (!fresh) return head;
    this.next[i] = head;
    this.count[i] = head >= 0 ? this.count[head] + 1 : 1;
    return i;
  }

  /** The request of the list (newest `head`) with message id `id`, or -1. */
  find(head: number, id: RequestId): number {
    if (typeof id === "number") {
      for (let i = head; i >= 0; i = this.next[i]) if (this.id[i] === id) return i;
    } else {
      for (let i = head; i >= 0; i = this.next[i]) if (this.bigIds[i] === id) return i;
    }
    return -1;
  }

  /** Takes request `r` (found in the list of newest `head`) out of it: the list's new head (-1: empty). */
  remove(head: number, r: number): number {
    const n = this.count[head] - 1;
    let h = head;
    if (r === head) h = this.next[r];
    else {
      let p = head;
      while (this.next[p] !== r) p = this.next[p];
      this.next[p] = this.next[r];
    }
    if (h >= 0) this.count[h] = n;
    this.release(r);
    return h;
  }

  /** Lets the whole list of newest `head` go. */
  drop(head: number): void {
    for (let i = head; i >= 0; ) { const n = this.next[i]; this.release(i); i = n; }
  }

  /** The number of requests in the list of newest `head`. */
  size(head: number): number { return head < 0 ? 0 : this.count[head]; }

  frame(i: number): number { return this.frames[i]; }
  ts(i: number): number { return this.times[i]; }
  cmd(i: number): number { return this.cmds[i]; }
  name(i: number): string | undefined { return this.names[i]; }
  dfsOp(i: number): boolean { return this.flags[i] === 1; }
  dfsPath(i: number): string | undefined { return this.paths[i]; }

  private removeOldest(head: number): number {
    let last = head;
    while (this.next[last] >= 0) last = this.next[last];
    return this.remove(head, last);
  }

  private release(i: number): void {
    this.names[i] = undefined; this.paths[i] = undefined; this.bigIds[i] = undefined; // (no text kept alive by a free one)
    this.next[i] = this.free;
    this.free = i;
  }

  private grow(): void {
    const n = this.id.length * 2;
    const f64 = (a: Float64Array) => { const b = new Float64Array(n); b.set(a); return b; };
    this.id = f64(this.id); this.frames = f64(this.frames); this.times = f64(this.times);
    const c = new Uint16Array(n); c.set(this.cmds); this.cmds = c;
    const g = new Uint8Array(n); g.set(this.flags); this.flags = g;
    const x = new Int32Array(n); x.set(this.next); this.next = x;
    const k = new Int32Array(n); k.set(this.count); this.count = k;
  }
}
