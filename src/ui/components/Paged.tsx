// Long lists (connections, findings, Kerberos messages, servers) are drawn a page at a time:
// thousands of rows take seconds to lay out, and the first rows are the ones a reader looks at.
// First pages of 50–100 rows: on the 1.2 GB bench capture (4,500 connections) the page then lays
// out ~5,000 elements instead of ~12,000 before the verdict shows.
import { createMemo, createSignal, Show, type Accessor } from "solid-js";
import { showMoreText } from "../format";
import { printing } from "../print";

export function paged<T>(rows: Accessor<T[]>, page: number) {
  const [limit, setLimit] = createSignal(page);
  // on paper, every row
  const visible = createMemo(() => (printing() ? rows() : rows().slice(0, limit())));
  const hidden = () => (printing() ? 0 : Math.max(0, rows().length - limit()));
  const more = () => setLimit((n) => n + page * 10);
  return { visible, hidden, more, step: page * 10 };
}

export function ShowMore(props: { pager: ReturnType<typeof paged>; testId: string; hint?: string }) {
  return (
    <Show when={props.pager.hidden() > 0}>
      <p class="show-more"><button type="button" onClick={props.pager.more} data-testid={props.testId}>
        {showMoreText(props.pager.step, props.pager.hidden())}{props.hint ? ` — ${props.hint}` : ""}
      </button></p>
    </Show>
  );
}
