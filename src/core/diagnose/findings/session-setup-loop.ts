// SESSION_SETUP_LOOP: an authentication that keeps asking for more rounds without ever completing.
import * as W from "../../../../assembly/wire";
import { add, has, F, streamFilter } from "../context";
import { REF } from "../references";
import { legFrames } from "./shared/session-text";
import type { SessionLeg } from "../../model/types";
import type { FindingModule } from "./module";

const meta = {
  id: "SESSION_SETUP_LOOP" as const,
  severity: "warning",
  when: "five SESSION_SETUP rounds in a row answered STATUS_MORE_PROCESSING_REQUIRED: the sides do not converge on a mechanism",
  references: [REF.smb2Session],
} satisfies FindingModule["meta"];

export const sessionSetupLoop: FindingModule = {
  meta,
  visit: {
    session(ctx, c) {
      if (!has(c, F.MANY_LEGS)) return;
      let run: SessionLeg[] = [];
      for (const leg of c.m.sessions) {
        if (leg.resp && (leg.resp.status >>> 0) === W.STATUS_MORE_PROCESSING_REQUIRED) run.push(leg);
        else run = [];
        if (run.length === 5) {
          const rounds = run; // (the texts are made inside add, before run changes)
          add(ctx, { id: meta.id, severity: "warning", connection: c.s.id, frames: rounds.flatMap(legFrames) }, c, () => ({
            title: "Session setup goes round in circles",
            explanation: `${rounds.length} SESSION_SETUP rounds in a row (${rounds[0].req.frame ? `frames ${rounds[0].req.frame}–` : "up to frame "}${rounds[rounds.length - 1].resp!.frame}) were answered STATUS_MORE_PROCESSING_REQUIRED. NTLM needs two rounds and Kerberos usually one or two; more than that means the client and server do not converge on a mechanism (for example SPNEGO renegotiation, or NegoEx/PKU2U offered where the server cannot complete it).`,
            remediation: [
              "Compare the mechanisms the client offers (mechTypes in the first SESSION_SETUP) with those the server lists in its NEGOTIATE response; try forcing NTLM or Kerberos on the client to see which one loops.",
              "Update both sides: such loops are usually interoperability bugs, often with third-party SMB servers.",
            ],
            filter: streamFilter(c), references: meta.references,
          }));
        }
      }
    },
  },
};
