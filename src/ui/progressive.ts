// A list drawn a few items per task: the first ones with the rest of the page, then some more in
// each task after a frame until all are there. Making and laying out a finding card or a table row
// costs a fraction of a millisecond to a few; drawn all at once, a report's dozens of finding groups
// or a hundred Kerberos rows keep the page from answering for longer than a frame. On paper, all at once.
import { createEffect, createSignal, on, onCleanup, untrack, type Accessor } from "solid-js";
import { printing } from "./print";

/** `items` as drawn: its first `first`, then `step` more per task; from `first` again whenever `restart` changes. */
export function progressive<T>(items: Accessor<readonly T[]>, first: number, step: number, restart: Accessor<unknown>): Accessor<readonly T[]> {
  const [limit, setLimit] = createSignal(first);
  createEffect(on(restart, () => setLimit(first)));
  createEffect(on([items, limit], ([list, n]) => {
    if (n >= list.length) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => { timer = setTimeout(() => setLimit(untrack(limit) + step), 0); });
    onCleanup(() => { cancelAnimationFrame(frame); clearTimeout(timer); });
  }));
  return () => (printing() ? items() : items().slice(0, limit()));
}
