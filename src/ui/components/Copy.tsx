import { createSignal } from "solid-js";
import { copyText } from "../download";
import { announce } from "../announce";

/** A small "Copy" button; `what` names the thing for screen readers ("command", "filter"). */
export function CopyButton(props: { text: string; what: string }) {
  const [done, setDone] = createSignal<"" | "ok" | "fail">("");
  const click = async () => {
    const ok = await copyText(props.text);
    setDone(ok ? "ok" : "fail");
    announce(ok ? `Copied ${props.what}` : "Copy failed: select the text and copy it by hand");
    setTimeout(() => setDone(""), 1500);
  };
  return (
    <button type="button" class="copy small" onClick={click} aria-label={`Copy ${props.what}: ${props.text}`} data-copy={props.text}>
      {done() === "ok" ? "Copied" : done() === "fail" ? "Copy failed" : "Copy"}
    </button>
  );
}

/** Inline code with its copy button. */
export function Cmd(props: { text: string; what?: string }) {
  return (
    <span class="cmd">
      <code>{props.text}</code>
      <CopyButton text={props.text} what={props.what ?? "command"} />
    </span>
  );
}
