// What the CLI's thread (decodeThread.ts) and its decode thread (decodeWorker.ts) say to each
// other. The records' bytes go through SLOTS slots of a SharedArrayBuffer, in order, round
// robin: the decode thread fills one with the records of a slice (or more, up to SLOT_BYTES) and
// names it in a message; the model's thread reads them in place and counts the slot done. The
// decode thread waits (Atomics.wait) when all slots are still unread, so a decoder faster than
// the model is held SLOTS slices ahead at most: memory bounded whatever the capture.

/** Slots in flight: enough for the decoder to run a few slices ahead of the model's jitter. */
export const SLOTS = 4;
/**
 * Bytes per slot: two of the decoder's output regions (assembly/out.ts OUT_CAP, 1 MiB). Only the
 * bytes written are touched: a 2 MiB slice of capture makes ~30-200 KB of records in diagnosis mode.
 * A region larger than a slot (not one the decoder makes today) goes as a copy in its message.
 */
export const SLOT_BYTES = 2 << 20;

/** Int32 words of the control block (a SharedArrayBuffer of CTRL_WORDS × 4 bytes). */
export const CTRL_DONE = 0; // slots the model's thread has read (the decode thread waits on it)
export const CTRL_STOP = 1; // 1: the memory guard tripped: stop as if the capture ended (source.ts MemoryGuard)
export const CTRL_ABORT = 2; // 1: the model's thread gave up: stop now, nothing more is read
export const CTRL_WORDS = 4;

/** The model's thread's first (and only) message. */
export interface DecodeJob {
  /** the capture's open descriptor (positional reads; the model's thread closes it) and its size */
  fd: number;
  name: string;
  size: number;
  /** diagnosis mode (Decoder.setSetupOnly) */
  setupOnly: boolean;
  /** whether a memory guard is asked between slices (CTRL_STOP then says its answer) */
  guarded: boolean;
  ctrl: SharedArrayBuffer;
  slots: SharedArrayBuffer;
}

/** The decode thread's messages, in the order the records were decoded. */
export type DecodeMessage =
  | { t: "rec"; at: number; len: number } // records in slots[at, at + len)
  | { t: "big"; bytes: Uint8Array } // records too many for a slot, copied
  | { t: "progress"; bytes: number; total: number } // a slice done: the guard is asked here
  | { t: "at"; at: number } // decoding stopped for memory after `at` bytes
  | { t: "done"; read: number }
  | { t: "error"; name: string; message: string; trap: boolean };
