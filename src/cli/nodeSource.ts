// Node: a capture file read with positioned reads straight into the decoder's input buffer.
import { open } from "node:fs/promises";
import { basename } from "node:path";
import type { CaptureSource } from "../core/source";

export async function fileSource(path: string): Promise<CaptureSource & { close(): Promise<void> }> {
  const fh = await open(path, "r");
  const st = await fh.stat();
  if (st.isDirectory()) { await fh.close(); throw new Error(`${path} is a directory, not a capture file`); }
  return {
    name: basename(path),
    size: st.size,
    async readInto(offset, dst) {
      const { bytesRead } = await fh.read(dst, 0, dst.length, offset);
      return bytesRead;
    },
    close: () => fh.close(),
  };
}
