// A decode thread that crashes (tests/decode-thread.test.ts): throws out of its message handler.
import { parentPort } from "node:worker_threads";

parentPort.once("message", () => { throw new Error("decode thread broken on purpose"); });
