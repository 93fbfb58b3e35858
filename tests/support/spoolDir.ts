// A test file's own temporary directory for the CLI's spools (src/cli/tempFile.ts), so that what
// they leave there, and the files a process holds open there, can be looked at. Linux: open files
// are read in /proc.
import { beforeEach, afterAll } from "vitest";
import fs, { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** `base` (for the test's own files) and `tmp` inside it, TMPDIR from now on and again before each test; removed after all. */
export function spoolTmp(prefix: string): { base: string; tmp: string } {
  const base = mkdtempSync(join(tmpdir(), prefix));
  const tmp = join(base, "tmp");
  fs.mkdirSync(tmp);
  process.env.TMPDIR = tmp;
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  beforeEach(() => { process.env.TMPDIR = tmp; });
  return { base, tmp };
}

/** The files under `tmp`'s smbscope- directories a process has open (their names removed: "… (deleted)"), with their modes. */
export function openTempFiles(tmp: string, pid: number | "self" = "self"): { link: string; mode: number }[] {
  const fds = `/proc/${pid}/fd`;
  return readdirSync(fds).flatMap((fd) => {
    let link: string;
    try { link = fs.readlinkSync(join(fds, fd)); } catch { return []; } // the listing's own descriptor
    return link.startsWith(`${tmp}/smbscope-`) ? [{ link, mode: statSync(join(fds, fd)).mode & 0o777 }] : [];
  });
}
