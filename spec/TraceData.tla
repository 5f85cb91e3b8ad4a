----------------------------- MODULE TraceData -----------------------------
(***************************************************************************)
(* The data RaftTrace.tla checks. The trace checker (src/check) writes a   *)
(* module of this name for each TLC run, with:                             *)
(*   TraceServer  the cluster's servers, as strings "n1", "n2", ...        *)
(*   TraceValue   every client value the chunks' events carry              *)
(*   Chunks       a sequence of [id, init, events]: init is the global     *)
(*                state before the chunk's first event (history included), *)
(*                events its events as records (see src/check/tla-emit.ts) *)
(*   WholeInvariants  TRUE to evaluate every safety property whole after   *)
(*                each event, instead of just the conjuncts it can change  *)
(*   MRVQ, MRVP, MAEQ, MAEP  constructors of the four message records      *)
(* No record of the data has a field named like a variable of Raft.tla    *)
(* (init's fields are start<Var>, an event's delta's new<Field>), which   *)
(* current TLC's parser would warn about, record by record.               *)
(* This placeholder holds no chunk, so that RaftTrace.tla parses alone.    *)
(***************************************************************************)
EXTENDS Raft

TraceServer == {"n1", "n2", "n3"}
TraceValue == {}
Chunks == << >>
WholeInvariants == FALSE
=============================================================================
