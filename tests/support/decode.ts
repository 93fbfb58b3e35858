// Decodes a capture file with the real wasm, the way the CLI does.
import { fileSource } from "../../src/cli/nodeSource";
import { nodeDecoder } from "../../src/cli/wasmNode";
import { decodeSource } from "../../src/core/source";
import type { RawEvent } from "../../src/core/decoder/records";

export async function decodeFile(path: string): Promise<RawEvent[]> {
  const src = await fileSource(path);
  const all: RawEvent[] = [];
  try {
    await decodeSource(await nodeDecoder(), src, (b) => { for (const e of b) all.push(e); });
  } finally { await src.close(); }
  return all;
}

/** Decodes bytes held in memory (crafted bad input). */
export async function decodeBytes(bytes: Uint8Array, chunk = 1 << 20): Promise<RawEvent[]> {
  const d = await nodeDecoder();
  const all: RawEvent[] = [];
  d.reset();
  for (let i = 0; i < bytes.length; i += chunk) d.push(bytes.subarray(i, i + chunk), all);
  d.finish(all);
  return all;
}
