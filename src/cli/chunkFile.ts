// The CLI's store of spilled column chunks (core/model/column.ts ChunkStore): the typed columns of
// the folded connections' rows, their findings' heads, the Kerberos messages and the spool's index
// (~30 bytes a connection: ~30 MB on a capture of 1,000,000) go to a temporary file a full chunk
// at a time, and are read back while the Report is made and written. The file is made at the
// first chunk (a capture of fewer than 65,536 connections makes none), as connectionSpool.ts's
// (tempFile.ts: private, its name removed at once, gone with the process however that ends). When it cannot be made, or fills up, the chunks stay in memory
// (ChunkStore.put's -1): the Report is the same.
import fs from "node:fs";
import type { ChunkStore } from "../core/model/column";
import { namelessTempFile } from "./tempFile";

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
    try { ({ fd: this.fd, left: this.left } = namelessTempFile("columns.bin")); } catch { this.full = true; return false; }
    return true;
  }
}
