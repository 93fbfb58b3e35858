// Reads a container asks for by position. pcap and pcapng are read front to back as the caller
// streams slices in; Network Monitor .cap (its frame table is at an offset given in the header,
// usually the end) and ETL (buffers per CPU, merged by timestamp) need bytes out of order. Such a
// container, once it has seen the file's first slice, switches the reader to pull mode: it names
// a byte range and where in wasm memory it wants it (request), the caller reads exactly that
// (positional reads in Node, File.slice in the browser) and calls pulled(n) with the count it
// got (fewer at the end of the file). From then on the container drives every read; when it
// makes no new request the file is done. src/core/source.ts serves these requests.
//
// Read-ahead: beside the read it needs now, a container may name the read it expects to need
// next (readAhead), at a place in memory it leaves alone until then. The caller may start that
// read at once, so that it lands while the decoder works (and ignore it: nothing depends on it).
// The container's later request for exactly that range and place is then served by it. Rules
// for the caller: an ahead read in flight that the container neither requests nor names again
// at its next return is waited for before any other read starts (its place may be reused), and
// none is left in flight when the file is done.

export let pullActive = false; // the container drives the reads (streamed slices are ignored)
export let reqOffset: u64 = 0;
export let reqLength: u32 = 0; // 0: no read wanted (done, or paused for output space)
export let reqDst: usize = 0;
// Progress of a container that reads the file more than once (ETL: index pass, then merge).
export let workDone: u64 = 0;
export let aheadOffset: u64 = 0;
export let aheadLength: u32 = 0; // 0: no read-ahead named
export let aheadDst: usize = 0;
export let workTotal: u64 = 0;

export function pullReset(): void {
  pullActive = false; reqOffset = 0; reqLength = 0; reqDst = 0; workDone = 0; workTotal = 0;
  aheadOffset = 0; aheadLength = 0; aheadDst = 0;
}
export function startPulling(total: u64): void { pullActive = true; workTotal = total; workDone = 0; }
export function request(off: u64, len: u32, dst: usize): void { reqOffset = off; reqLength = len; reqDst = dst; }
export function noRequest(): void { reqLength = 0; }
export function readAhead(off: u64, len: u32, dst: usize): void { aheadOffset = off; aheadLength = len; aheadDst = dst; }
export function noReadAhead(): void { aheadLength = 0; }
export function progressed(n: u64): void { workDone += n; }
