// Runs the whole analysis (decode → model → diagnose → Report) on a capture file.
import { fileSource } from "../../src/cli/nodeSource";
import { nodeDecoder } from "../../src/cli/wasmNode";
import { analyzeCapture } from "../../src/core/analyze";
import type { Report } from "../../src/core/report";

export async function reportOf(path: string): Promise<Report> {
  const src = await fileSource(path);
  try { return await analyzeCapture(await nodeDecoder(), src); } finally { await src.close(); }
}
