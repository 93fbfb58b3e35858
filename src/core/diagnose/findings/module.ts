// The shape of a finding module: one finding id, its detector and its texts together (as an ESLint
// rule module holds `meta` and `create`). findings/index.ts lists the modules.
//
// A module detects in one of two ways (or both, for an id two situations emit):
// - `visit`: handlers the walk of the older rule families calls at each connection, session
//   failure, Kerberos error or tree connect it visits (walk.ts: the order of emission, which the
//   Report keeps for findings of one severity on one frame and in each connection's list);
// - `create(ctx)`: a pass of its own over the whole capture, after the walk; the fallbacks
//   (meta.fallback) after all others.
// Which id a situation gets when several could claim it is decided in shared/precedence.ts.
import type { Severity } from "../../report";
import type { DiagnoseContext } from "../context";
import type { Visitors } from "./walk";

export interface FindingModule {
  meta: {
    id: string;
    /** the usual severity (a module may lower or raise it per case, and says so in its texts) */
    severity: Severity;
    /** when it applies, in one line (the catalogue in the docs) */
    when: string;
    /** runs after every other module: it speaks only where none of them explained the connection */
    fallback?: boolean;
    /** the spec sections and articles it rests on */
    references?: string[];
  };
  /** called by the walk (walk.ts), at each node of its kind */
  visit?: Visitors;
  create?(ctx: DiagnoseContext): void;
}
