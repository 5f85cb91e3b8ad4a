------------------------------- MODULE MCRaft -------------------------------
(***************************************************************************)
(* A finite model of Raft for exhaustive checking by TLC. Raft's state     *)
(* space is infinite (terms, logs and the network grow without bound), so  *)
(* this model stops exploring past small bounds, set in each .cfg:        *)
(*   MaxTerm         no server's term exceeds it                           *)
(*   MaxLogLength    no log reaches a higher index (snapshot included)     *)
(*   MaxInFlight     at most this many messages in flight, copies included *)
(*   MaxEntriesHeld  the logs hold at most this many distinct entries      *)
(*   MaxFaults       with FaultBudgetSpec: at most this many restarts,     *)
(*                   losses and duplications in a behaviour                *)
(*   MaxCandidates, MaxLeaders  at most this many servers in that role at  *)
(*                   once (a pre-candidate counts as a candidate; a deposed *)
(*                   leader that has not heard of the new term still counts) *)
(* Every property of Raft.tla is checked in every state within the bounds. *)
(* The models, smallest first, are listed in src/tlc/models.ts.            *)
(***************************************************************************)
EXTENDS Raft

CONSTANTS MaxTerm, MaxLogLength, MaxInFlight, MaxEntriesHeld, MaxFaults, MaxCandidates, MaxLeaders

VARIABLE faults   \* how many faults (restarts, losses, duplications) happened so far

MCInit == Init /\ faults = 0

(* Raft, with at most MaxFaults faults in a behaviour. *)
FaultBudgetNext == \/ ProtocolNext /\ UNCHANGED faults
                   \/ faults < MaxFaults /\ FaultNext /\ faults' = faults + 1
FaultBudgetSpec == MCInit /\ [][FaultBudgetNext]_<<vars, faults>>

(* Raft with faults at any time (faults is not counted; MaxFaults unused). *)
AnyFaultsSpec == MCInit /\ [][Next /\ UNCHANGED faults]_<<vars, faults>>

RECURSIVE CopiesIn(_)
CopiesIn(S) == IF S = {} THEN 0
               ELSE LET m == CHOOSE x \in S : TRUE IN messages[m] + CopiesIn(S \ {m})

(* The distinct entries (index, term, value) that the servers' logs hold  *)
(* (snapshots aside): every one was appended by a ClientRequest.          *)
EntriesHeld == UNION {{<<k, EntryAt(i, k)>> : k \in Retained(i)} : i \in Server}

(* States beyond the bounds are not explored further. *)
Bounds ==
    /\ \A i \in Server : currentTerm[i] <= MaxTerm
    /\ \A i \in Server : LastIndex(i) <= MaxLogLength
    /\ CopiesIn(DOMAIN messages) <= MaxInFlight
    /\ Cardinality(EntriesHeld) <= MaxEntriesHeld
    /\ Cardinality({i \in Server : role[i] \in {PreCandidate, Candidate}}) <= MaxCandidates
    /\ Cardinality({i \in Server : role[i] = Leader}) <= MaxLeaders

(* Raft for liveness: no faults, the bounds are part of the next-state     *)
(* relation (a step may not leave them, so the state graph is finite and  *)
(* has no cut-off states), and a leader's AppendEntries to each peer and   *)
(* the handling of messages are strongly fair: with one message in flight *)
(* at a time, sending is enabled only now and then, so weak fairness would *)
(* let a leader talk to one peer forever.                                  *)
InBounds(A) == A /\ Bounds' /\ UNCHANGED faults
ProgressSpec ==
    /\ MCInit
    /\ [][InBounds(ProtocolNext)]_<<vars, faults>>
    /\ SF_<<vars, faults>>(InBounds(ReceiveNext))
    /\ \A i, j \in Server : SF_<<vars, faults>>(InBounds(AppendEntries(i, j)))

(* Raft for random simulation: the bounds are part of the next-state      *)
(* relation too, so that a random step never leaves them (TLC's simulator  *)
(* would end the behaviour there), and at most MaxFaults faults happen, so *)
(* that faults, always enabled, do not crowd out the protocol's steps.     *)
SimulationSpec ==
    MCInit /\ [][\/ InBounds(ProtocolNext)
                 \/ faults < MaxFaults /\ FaultNext /\ faults' = faults + 1 /\ Bounds']_<<vars, faults>>

ServerSymmetry == Permutations(Server)
(* Servers and client values are both interchangeable. *)
ServerValueSymmetry == Permutations(Server) \cup Permutations(Value)

(* What TLC remembers of a state. Vote tallies matter only to a candidate *)
(* or pre-candidate, and nextIndex, matchIndex and the active peers only  *)
(* to a leader: every action that reads them requires that role, and      *)
(* becoming that role resets them. Two states that differ only in such    *)
(* dead values behave alike, so TLC counts them once. The count of quorum  *)
(* checks is left out: no action reads it, and it would grow forever.     *)
LiveState ==
    << serverVars, messages, elected, committed, stoodFor, faults, leaderSeen,
       [i \in Server |-> IF role[i] \in {PreCandidate, Candidate} THEN <<votesResponded[i], votesGranted[i]>> ELSE << >>],
       [i \in Server |-> IF role[i] = Leader THEN <<nextIndex[i], matchIndex[i], activePeers[i]>> ELSE << >>] >>
=============================================================================
