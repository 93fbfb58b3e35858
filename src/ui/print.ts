// Whether the page is being printed: the whole report goes on paper (every row of every list,
// a ladder for every failing connection), not the page of rows and the one ladder on screen.
// Solid updates the page synchronously in `beforeprint`, before the browser lays out the print.
import { createRoot, createSignal } from "solid-js";

export const printing = createRoot(() => {
  const [on, set] = createSignal(false);
  if (typeof window !== "undefined") {
    const mq = window.matchMedia?.("print");
    mq?.addEventListener?.("change", (e) => set(e.matches));
    window.addEventListener("beforeprint", () => set(true));
    window.addEventListener("afterprint", () => set(mq?.matches ?? false));
  }
  return on;
});
