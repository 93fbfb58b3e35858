// Loads build/decoder.wasm in Node (the same file the browser worker uses).
import { readFile } from "node:fs/promises";
import { Decoder } from "../core/decoder/wasm";

let mod: Promise<WebAssembly.Module> | null = null;

export function wasmUrl(): URL {
  // src/cli/ and dist/cli/ are both two levels below the package root.
  return new URL("../../build/decoder.wasm", import.meta.url);
}

/** A new decoder instance (in its initial state) of the module, which is compiled once. */
export async function nodeDecoder(): Promise<Decoder> {
  mod ??= readFile(wasmUrl()).then(
    (b) => WebAssembly.compile(b),
    () => { throw new Error(`cannot read ${wasmUrl().pathname}: build it with \`npm run build:wasm\``); },
  );
  return Decoder.create(await mod);
}
