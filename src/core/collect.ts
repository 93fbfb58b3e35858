// Full collections of the JavaScript heap, where the runtime lets us (the CLI: bin/smbscope.mjs
// runs Node with --expose-gc; the browser has none and gets no-ops), at the few points where a
// large part of an analysis has just become garbage.

/** One full collection. */
export function collect(): void { (globalThis as { gc?: () => void }).gc?.(); }

/**
 * Two: the first finds the garbage, but V8 frees an ArrayBuffer's memory (the decoder's wasm
 * memory, ~16 MiB touched on a busy capture) and gives the emptied heap pages back only at the
 * next one. smb1m after decoding: RSS 146 → 139 MiB and heap 70 → 54 MiB committed at the second;
 * before the Report's writing, 156 → 144 and 65 → 31. Without it the Report's making peaked
 * there, 7-20 MiB above the end of decoding (each ~50 ms on that capture of 1,000,000 connections).
 */
export function collectAndRelease(): void { collect(); collect(); }
