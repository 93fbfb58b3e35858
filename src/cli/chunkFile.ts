// The CLI's store of spilled column chunks (core/model/column.ts ChunkStore): the typed columns of
// the folded connections' rows, their findings' heads, the Kerberos messages and the spool's index
// (~30 bytes a connection: ~30 MB on a capture of 1,000,000) go to a temporary file a full chunk
// at a time, and are read back while the Report is made and written. The file is made at the
// first chunk (a capture of fewer than 65,536 connections makes none), as connectionSpool.ts's:
// 0600 in a directory of its own (mkdtemp: 0700), its name removed at once, so that it goes with
// the process however that ends. When it cannot be made, or fills up, the chunks stay in memory
// (ChunkStore.put's -1): the Report is the same.
import fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChunkStore } from "../core/model/column";

export class ChunkFile implements ChunkStore {
  /** the open file (-1: not made yet), and what is left to remove of it on close (a name the system would not remove) */
  private fd = -1;
  private left: string[] = [];
  /** bytes in the file; whether it takes no more (it could not be made, or filled up) */
  private size = 0;
  private full = false;

  put(bytes: Uint8Array): number {
    if (this.full || (this.fd < 0 && !this.make())) return -1;
    const at = this.size;
    try {
      for (let done = 0; done < bytes.byteLength;) done += fs.writeSync(this.fd, bytes, done, bytes.byteLength - done, at + done);
    } catch { this.full = true; return -1; }
    this.size += bytes.byteLength;
    return at;
  }

  read(at: number, bytes: Uint8Array): void {
    for (let done = 0; done < bytes.byteLength;) {
      const got = fs.readSync(this.fd, bytes, done, bytes.byteLength - done, at + done);
      if (got === 0) throw new Error("the temporary file of column chunks ended early");
      done += got;
    }
  }

  /** Closes the file (which the system then frees) and removes what is left of it; never throws. */
  close(): void {
    if (this.fd >= 0) { try { fs.closeSync(this.fd); } catch { /* closed already */ } }
    this.fd = -1;
    this.full = true;
    for (const p of this.left) { try { fs.rmSync(p, { recursive: true, force: true }); } catch { /* as much as can be */ } }
  }

  /** The file made, its name removed; false (and no more tries) when the temporary directory cannot take it. */
  private make(): boolean {
    let dir: string;
    try { dir = fs.mkdtempSync(join(tmpdir(), "smbscope-")); } catch { this.full = true; return false; }
    const path = join(dir, "columns.bin");
    try { this.fd = fs.openSync(path, "wx+", 0o600); } catch { fs.rmSync(dir, { recursive: true, force: true }); this.full = true; return false; }
    for (const [p, rm] of [[path, fs.unlinkSync], [dir, fs.rmdirSync]] as const) {
      try { rm(p); } catch { this.left.unshift(p); }
    }
    return true;
  }
}
