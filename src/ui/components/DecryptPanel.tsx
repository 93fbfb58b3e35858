// The Decrypt panel (issue 18): on a report with SMB3-encrypted sessions (or a refused NTLM logon),
// the user's password, a session key or the server's keytab, and the same capture analysed again in
// the worker with them. The secrets are read from the fields only when the button is pressed, the
// fields are emptied at once (a keytab file is handed to the worker unread, which reads it there), and they go to the analyzer worker and nowhere else: no signal, history entry,
// export or log holds them. The report that comes back names the kind of secret, never the secret.
import { createSignal, For, Show } from "solid-js";
import type { DecryptSummary } from "../decryptSummary";
import { parseSessionKey, type Secrets } from "../../core/decrypt/secrets";

export function DecryptPanel(props: {
  /** absent in a digest stored before the Decrypt panel existed: no panel */
  summary: DecryptSummary | undefined;
  /** the capture is at hand (a file opened in this window, or a copy kept in history) */
  canRun: boolean;
  busy: boolean;
  onDecrypt: (secrets: Secrets) => void;
}) {
  let password: HTMLInputElement | undefined;
  let keys: HTMLInputElement | undefined;
  let keytab: HTMLInputElement | undefined;
  const [error, setError] = createSignal<string | null>(null);
  const reason = () => props.summary?.reason ?? null;
  const sessions = () => (props.summary?.sessions ?? []).map((s) => ({ s }));
  const encryptedConns = () => props.summary?.encryptedConnections ?? 0;

  const submit = (e: Event) => {
    e.preventDefault();
    setError(null);
    const secrets: Secrets = { passwords: [], sessionKeys: [] };
    if (password!.value !== "") secrets.passwords.push(password!.value);
    const words = keys!.value.split(/[\s,;]+/).filter(Boolean);
    for (const [i, w] of words.entries()) {
      const k = parseSessionKey(w);
      if ("error" in k) { setError(`Session key${words.length > 1 ? ` ${i + 1}` : ""}: ${k.error}.`); return; }
      secrets.sessionKeys.push(...k);
    }
    const files = [...(keytab!.files ?? [])];
    if (files.length) secrets.keytabFiles = files.map((f) => ({ name: f.name, file: f }));
    // the fields let go of the secrets before anything else happens
    password!.value = "";
    keys!.value = "";
    keytab!.value = "";
    if (!secrets.passwords.length && !secrets.sessionKeys.length && !files.length) { setError("Type the user's password or a session key, or choose a keytab, first."); return; }
    props.onDecrypt(secrets);
  };

  return (
    <Show when={reason()}>
      <section class="decrypt-panel" aria-labelledby="decrypt-h" data-testid="decrypt-panel">
        <h3 id="decrypt-h">{reason() === "encrypted" ? "Decrypt" : "Check a password"}</h3>
        <p>
          {reason() === "encrypted"
            ? `SMB3 encryption hides messages on ${encryptedConns()} connection${encryptedConns() === 1 ? "" : "s"}. With the user's password (NTLM sessions), the server's keytab (Kerberos sessions) or a session's key, the capture is analysed again with those messages decrypted.`
            : "The logon was refused. With a password, the capture is analysed again and tells whether it is the one the client sent."}
          {" "}The secret stays in this browser's analyzer, is not saved in history, exports or logs, and is forgotten when the analysis ends.
        </p>
        <Show when={sessions().length}>
          <ul class="decrypt-results" data-testid="decrypt-results">
            <For each={sessions()}>{({ s }) => <li>Session {s.sessionId}{s.user ? ` (${s.user})` : ""}: <strong>{s.result === "wrong-secret" ? "wrong secret" : s.result === "no-secret" ? "no secret for it" : "not decrypted"}</strong>{s.why ? `: ${s.why}` : ""}</li>}</For>
          </ul>
          <Show when={props.summary?.moreSessions}>{(n) => <p class="muted">and {n()} more sessions not decrypted</p>}</Show>
        </Show>
        <Show when={props.canRun} fallback={<p class="muted" data-testid="decrypt-no-file">Open the capture file again to decrypt it: this analysis was opened from history without a copy of the capture.</p>}>
          <form class="decrypt-form" onSubmit={submit}>
            <label>Password <input ref={password} type="password" autocomplete="off" data-testid="decrypt-password" /></label>
            <label>Session key <input ref={keys} type="text" autocomplete="off" spellcheck={false} placeholder="SESSIONID:HEX" data-testid="decrypt-session-key" /></label>
            <label>Keytab (Kerberos) <input ref={keytab} type="file" multiple data-testid="decrypt-keytab" /></label>
            <button type="submit" class="primary" disabled={props.busy} data-testid="decrypt-run">{reason() === "encrypted" ? "Decrypt" : "Check"}</button>
          </form>
        </Show>
        <Show when={error()}><p class="decrypt-error" role="alert" data-testid="decrypt-error">{error()}</p></Show>
      </section>
    </Show>
  );
}
