// The CLI's private temporary files (connectionSpool.ts's records, chunkFile.ts's column chunks):
// each made 0600 in a directory of its own (mkdtemp makes it 0700), its name and then its directory
// removed at once, so that no other program finds it by its name and the system frees it with the
// process however that ends (killed, out of memory, interrupted).
import fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Opens a new temporary file named `name` (its name removed at once); throws when the temporary
 * directory cannot take it. `left`: what could not be removed while open (a system that keeps the
 * name of an open file, Windows without POSIX delete semantics), for the caller to remove once it
 * has closed the file, the file before its directory.
 */
export function namelessTempFile(name: string): { fd: number; left: string[] } {
  const dir = fs.mkdtempSync(join(tmpdir(), "smbscope-"));
  const path = join(dir, name);
  let fd: number;
  try { fd = fs.openSync(path, "wx+", 0o600); } catch (e) { fs.rmSync(dir, { recursive: true, force: true }); throw e; }
  const left: string[] = [];
  for (const [p, rm] of [[path, fs.unlinkSync], [dir, fs.rmdirSync]] as const) {
    try { rm(p); } catch { left.unshift(p); }
  }
  return { fd, left };
}
