// A decode thread that ends before it answers (tests/decode-thread.test.ts), as a killed one would.
import { parentPort } from "node:worker_threads";

parentPort.once("message", () => process.exit(3));
