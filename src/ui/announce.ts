// A polite live region for short confirmations ("Copied", "Deleted") read by screen readers.
import { createSignal } from "solid-js";

const [message, setMessage] = createSignal("");
export const announcement = message;
let timer: ReturnType<typeof setTimeout> | undefined;

export function announce(text: string): void {
  setMessage("");
  queueMicrotask(() => setMessage(text));
  clearTimeout(timer);
  timer = setTimeout(() => setMessage(""), 4000);
}
