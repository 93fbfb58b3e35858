// Where the Report's connection records go when the caller keeps them itself, instead of in
// Report.connections: the CLI's --json spools them to a temporary file as they come, so that
// memory does not follow the number of connections (issue 15). Without a sink (the worker, the
// text view) the records stay in Report.connections.
import type { Connection } from "./report";
import type { ServerList } from "./serverList";
import type { KerberosRecords } from "./model/kerberos";

export interface ConnectionSink {
  /**
   * One connection's record, each exactly once. Report order is `order` ascending (orders are
   * distinct, not contiguous, and do not come in order: a connection may be put when it closes,
   * before one opened earlier). The record is read during the call only.
   */
  put(order: number, record: Connection): void;
  /**
   * Optional: true when the sink writes each record during its put, as JSON (JSON.stringify, or
   * the CLI's bytes, src/cli/jsonBytes.ts). A folded healthy connection's record then holds, in
   * place of its list of phases, a model/phaseTable.ts ModelPhases whose JSON is that list's,
   * written from the connection's model (no PhaseRecord made: the fold's largest allocation).
   */
  readonly phasesFromModel?: boolean;
  /**
   * Optional: takes the per-server summary as the compact list (serverList.ts) in place of
   * Report.servers, which is then empty: a capture with a server per connection (1,000,000 of
   * them) made ~95 MB of objects there. Called once, before the Report is returned.
   */
  servers?(list: ServerList): void;
  /**
   * Optional: takes the Kerberos records as a list that makes each when it is read
   * (model/kerberos.ts KerberosRecords), in Report order, in place of Report.kerberos, which is
   * then empty: a domain controller's capture (the dense bench: 60,660 messages) made ~10 MB of
   * records at once at the end. Called once, before the Report is returned.
   */
  kerberos?(list: KerberosRecords): void;
}
