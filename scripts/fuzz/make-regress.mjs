// Writes the crafted regression captures of fixtures/regress/ that no fuzz run made:
//   reorder-null-store.pcap  the trigger of issue 12: one flow to port 445, the handshake, a 1-byte
//                            hole, 16 one-byte segments behind it, then an 8 KiB segment 82 bytes
//                            further ahead (its bytes, 0xee, were copied over the start of wasm
//                            memory: the OIDs, strings and tables)
// Crafted (no real stack sends this on purpose). Usage: node scripts/fuzz/make-regress.mjs
import { writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { reorderNullStore } from "./flows.mjs";

const dir = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/regress");
writeFileSync(join(dir, "reorder-null-store.pcap"), reorderNullStore());
console.log(`wrote ${join(dir, "reorder-null-store.pcap")}`);
