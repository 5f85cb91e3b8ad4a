------------------------------- MODULE MCRaft -------------------------------
(***************************************************************************)
(* A finite model of Raft for exhaustive checking by TLC. Raft's state     *)
(* space is infinite (terms, logs and the network grow without bound), so  *)
(* this model stops exploring past small bounds, set in MCRaft.cfg:       *)
(*   MaxTerm       no server's term exceeds it                             *)
(*   MaxLogLength  no log holds more entries                               *)
(*   MaxInFlight   at most this many messages in flight, copies included   *)
(* Every property of Raft.tla is checked in every state within the bounds. *)
(***************************************************************************)
EXTENDS Raft

CONSTANTS MaxTerm, MaxLogLength, MaxInFlight

RECURSIVE CopiesIn(_)
CopiesIn(S) == IF S = {} THEN 0
               ELSE LET m == CHOOSE x \in S : TRUE IN messages[m] + CopiesIn(S \ {m})

(* States beyond the bounds are not explored further. *)
Bounds ==
    /\ \A i \in Server : currentTerm[i] <= MaxTerm
    /\ \A i \in Server : Len(log[i]) <= MaxLogLength
    /\ CopiesIn(DOMAIN messages) <= MaxInFlight

ServerSymmetry == Permutations(Server)

(* What TLC remembers of a state. Vote tallies matter only to a candidate *)
(* and nextIndex/matchIndex only to a leader: every action that reads them *)
(* requires that role, and becoming that role resets them. Two states that  *)
(* differ only in such dead values behave alike, so TLC counts them once.   *)
LiveState ==
    << serverVars, messages, historyVars,
       [i \in Server |-> IF role[i] = Candidate THEN <<votesResponded[i], votesGranted[i]>> ELSE << >>],
       [i \in Server |-> IF role[i] = Leader THEN <<nextIndex[i], matchIndex[i]>> ELSE << >>] >>
=============================================================================
