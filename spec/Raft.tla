-------------------------------- MODULE Raft --------------------------------
(***************************************************************************)
(* Raft's leader election, log replication and commitment, with crashes   *)
(* that keep durable state, over a network that may lose, duplicate, delay *)
(* and reorder messages.                                                   *)
(*                                                                         *)
(* Written for raft-tla-harness from the rules of the Raft paper (its      *)
(* Figure 2 and safety argument). Each action here is one event name of    *)
(* the implementation's traces, with the same parameters, and the          *)
(* variables are the ones the events carry, so that TLC can check a trace  *)
(* step by step against this module.                                       *)
(*                                                                         *)
(* Choices the implementation shares, which the paper leaves open:         *)
(*  - A timeout makes a server a candidate that has already voted for      *)
(*    itself; it then asks each peer separately (RequestVote), and may ask *)
(*    again any peer that has not answered.                                *)
(*  - AppendEntries carries the entries from the peer's nextIndex on, at   *)
(*    most MaxEntriesPerMessage of them (possibly none: a heartbeat).      *)
(*  - A server that sees a higher term first adopts it (UpdateTerm), and   *)
(*    only then handles the message, which stays in flight meanwhile.      *)
(*  - The leader's matchIndex never decreases; its nextIndex follows the   *)
(*    latest answer.                                                       *)
(*  - A restart keeps currentTerm, votedFor and the log, and resets the    *)
(*    rest, commitIndex included.                                          *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets, TLC

CONSTANTS
    Server,     \* the servers of the cluster
    Value,      \* the commands clients may submit
    Nil,        \* votedFor of a server that has not voted in its term
    MaxEntriesPerMessage  \* the most entries one AppendEntries carries

Follower  == "Follower"
Candidate == "Candidate"
Leader    == "Leader"

VARIABLES
    currentTerm,     \* durable: the latest term the server has seen
    votedFor,        \* durable: whom it voted for in currentTerm, or Nil
    log,             \* durable: a sequence of [term, value] entries
    role,            \* Follower, Candidate or Leader
    commitIndex,     \* the highest log index known to be committed
    votesResponded,  \* candidate: servers that answered its vote request, itself included
    votesGranted,    \* candidate: servers that granted their vote, itself included
    nextIndex,       \* leader: for each peer, the index of the next entry to send it
    matchIndex,      \* leader: for each peer, the highest index known stored there
    messages,        \* the messages in flight: a bag, [message -> number of copies]
    elected,         \* history: the set of [term, leader] of every election won
    committed        \* history: every entry committed, as [index, entry, term it was committed in]

serverVars   == <<currentTerm, votedFor, log, role, commitIndex>>
electionVars == <<votesResponded, votesGranted>>
leaderVars   == <<nextIndex, matchIndex>>
historyVars  == <<elected, committed>>
vars == <<serverVars, electionVars, leaderVars, messages, historyVars>>

-----------------------------------------------------------------------------
(* Helpers *)

Quorum(S) == Cardinality(S) * 2 > Cardinality(Server)

Max(S) == CHOOSE x \in S : \A y \in S : y <= x
Min(S) == CHOOSE x \in S : \A y \in S : x <= y

LastTerm(lg) == IF lg = << >> THEN 0 ELSE lg[Len(lg)].term
TermAt(lg, k) == IF k = 0 THEN 0 ELSE lg[k].term

Peers(i) == Server \ {i}

IsPrefix(s, t) == Len(s) <= Len(t) /\ SubSeq(t, 1, Len(s)) = s

(* The bag of messages in flight, as a function from message to copies. *)
EmptyBag == [m \in {} |-> 0]
InFlight(m) == m \in DOMAIN messages
Put(bag, m) == IF m \in DOMAIN bag
               THEN (*B: another copy in flight *) [bag EXCEPT ![m] = @ + 1]
               ELSE (*B: a new message in flight *) bag @@ (m :> 1)
Take(bag, m) == IF bag[m] = 1 THEN [k \in DOMAIN bag \ {m} |-> bag[k]]
                              ELSE [bag EXCEPT ![m] = @ - 1]
(* The bag holding each m with c copies, for each pair <<m, c>> of S. *)
BagOfPairs(S) == [m \in {p[1] : p \in S} |-> (CHOOSE p \in S : p[1] = m)[2]]
Send(m) == messages' = Put(messages, m)
Discard(m) == messages' = Take(messages, m)
Reply(request, response) == messages' = Put(Take(messages, request), response)

(* The log a follower keeps after accepting entries that follow prev: *)
(* entries it already holds stay; from the first conflict (same index, *)
(* other term) on, its log is replaced; entries beyond its end are added. *)
Merge(lg, prev, ents) ==
    LET conflicts == {k \in 1..Len(ents) : prev + k <= Len(lg) /\ lg[prev + k].term # ents[k].term}
    IN IF conflicts = {}
       THEN IF prev + Len(ents) <= Len(lg)
            THEN (*B: entries already held *) lg
            ELSE (*B: entries appended *) lg \o SubSeq(ents, Len(lg) - prev + 1, Len(ents))
       ELSE (*B: conflicting suffix replaced *)
            SubSeq(lg, 1, prev + Min(conflicts) - 1) \o SubSeq(ents, Min(conflicts), Len(ents))

-----------------------------------------------------------------------------
(* Message types *)

RequestVoteRequest(i, j) ==
    [type |-> "RequestVoteRequest", source |-> i, dest |-> j, term |-> currentTerm[i],
     lastLogTerm |-> LastTerm(log[i]), lastLogIndex |-> Len(log[i])]

AppendEntriesRequest(i, j) ==
    LET prev == nextIndex[i][j] - 1
    IN [type |-> "AppendEntriesRequest", source |-> i, dest |-> j, term |-> currentTerm[i],
        prevLogIndex |-> prev, prevLogTerm |-> TermAt(log[i], prev),
        entries |-> SubSeq(log[i], nextIndex[i][j], Min({Len(log[i]), prev + MaxEntriesPerMessage})),
        commitIndex |-> commitIndex[i]]

-----------------------------------------------------------------------------
Init ==
    /\ currentTerm = [i \in Server |-> 0]
    /\ votedFor = [i \in Server |-> Nil]
    /\ log = [i \in Server |-> << >>]
    /\ role = [i \in Server |-> Follower]
    /\ commitIndex = [i \in Server |-> 0]
    /\ votesResponded = [i \in Server |-> {}]
    /\ votesGranted = [i \in Server |-> {}]
    /\ nextIndex = [i \in Server |-> [j \in Peers(i) |-> 1]]
    /\ matchIndex = [i \in Server |-> [j \in Peers(i) |-> 0]]
    /\ messages = EmptyBag
    /\ elected = {}
    /\ committed = {}

-----------------------------------------------------------------------------
(* Elections *)

(* Server i's election timer fires: it starts an election in a new term. *)
Timeout(i) ==
    /\ role[i] \in {Follower, Candidate}
    /\ currentTerm' = [currentTerm EXCEPT ![i] = @ + 1]
    /\ role' = [role EXCEPT ![i] = Candidate]
    /\ votedFor' = [votedFor EXCEPT ![i] = i]
    /\ votesResponded' = [votesResponded EXCEPT ![i] = {i}]
    /\ votesGranted' = [votesGranted EXCEPT ![i] = {i}]
    /\ UNCHANGED <<log, commitIndex, leaderVars, messages, historyVars>>

(* Candidate i asks peer j, which has not answered yet, for its vote. *)
RequestVote(i, j) ==
    /\ role[i] = Candidate
    /\ j \in Peers(i) \ votesResponded[i]
    /\ Send(RequestVoteRequest(i, j))
    /\ UNCHANGED <<serverVars, electionVars, leaderVars, historyVars>>

(* Candidate i holds a majority of votes. *)
BecomeLeader(i) ==
    /\ role[i] = Candidate
    /\ Quorum(votesGranted[i])
    /\ role' = [role EXCEPT ![i] = Leader]
    /\ nextIndex' = [nextIndex EXCEPT ![i] = [j \in Peers(i) |-> Len(log[i]) + 1]]
    /\ matchIndex' = [matchIndex EXCEPT ![i] = [j \in Peers(i) |-> 0]]
    /\ elected' = elected \cup {[term |-> currentTerm[i], leader |-> i]}
    /\ UNCHANGED <<currentTerm, votedFor, log, commitIndex, electionVars, messages, committed>>

(* Server i answers vote request m. It grants its vote only in its own   *)
(* term, to a candidate whose log is at least as up to date as its own   *)
(* (a later last term, or the same last term and at least as long), and  *)
(* only if it has not voted for another candidate in this term.          *)
HandleRequestVoteRequest(i, m) ==
    /\ m.type = "RequestVoteRequest"
    /\ m.dest = i
    /\ m.term <= currentTerm[i]
    /\ LET j == m.source
           logOk == \/ m.lastLogTerm > LastTerm(log[i])
                    \/ /\ m.lastLogTerm = LastTerm(log[i])
                       /\ m.lastLogIndex >= Len(log[i])
           grant == /\ m.term = currentTerm[i]
                    /\ logOk
                    /\ votedFor[i] \in {Nil, j}
       IN /\ \/ /\ grant
                /\ (*B: vote granted *) votedFor' = [votedFor EXCEPT ![i] = j]
             \/ /\ ~grant
                /\ (*B: vote refused *) UNCHANGED votedFor
          /\ Reply(m, [type |-> "RequestVoteResponse", source |-> i, dest |-> j,
                       term |-> currentTerm[i], voteGranted |-> grant])
    /\ UNCHANGED <<currentTerm, log, role, commitIndex, electionVars, leaderVars, historyVars>>

(* Server i counts a vote response of its current term. *)
HandleRequestVoteResponse(i, m) ==
    /\ m.type = "RequestVoteResponse"
    /\ m.dest = i
    /\ m.term = currentTerm[i]
    /\ votesResponded' = [votesResponded EXCEPT ![i] = @ \cup {m.source}]
    /\ \/ /\ m.voteGranted
          /\ (*B: vote counted *) votesGranted' = [votesGranted EXCEPT ![i] = @ \cup {m.source}]
       \/ /\ ~m.voteGranted
          /\ (*B: refusal noted *) UNCHANGED votesGranted
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, leaderVars, historyVars>>

-----------------------------------------------------------------------------
(* Replication *)

(* Leader i appends a client's command v to its log. *)
ClientRequest(i, v) ==
    /\ role[i] = Leader
    /\ v \in Value
    /\ log' = [log EXCEPT ![i] = Append(@, [term |-> currentTerm[i], value |-> v])]
    /\ UNCHANGED <<currentTerm, votedFor, role, commitIndex, electionVars, leaderVars, messages, historyVars>>

(* Leader i sends peer j the entries from nextIndex[i][j] on, at most *)
(* MaxEntriesPerMessage of them.                                      *)
AppendEntries(i, j) ==
    /\ role[i] = Leader
    /\ j \in Peers(i)
    /\ Send(AppendEntriesRequest(i, j))
    /\ UNCHANGED <<serverVars, electionVars, leaderVars, historyVars>>

(* The indexes leader i may commit: entries of its current term stored on *)
(* a majority (an older term's entry is never committed by counting        *)
(* replicas; it commits along with a later one).                           *)
Committable(i) ==
    LET Agree(k) == {i} \cup {j \in Peers(i) : matchIndex[i][j] >= k}
    IN {k \in 1..Len(log[i]) : Quorum(Agree(k)) /\ log[i][k].term = currentTerm[i]}

(* Leader i commits the highest of them, if that is beyond its commitIndex. *)
AdvanceCommitIndex(i) ==
    /\ role[i] = Leader
    /\ Committable(i) # {}
    /\ Max(Committable(i)) > commitIndex[i]
    /\ commitIndex' = [commitIndex EXCEPT ![i] = Max(Committable(i))]
    /\ committed' = committed \cup
          {[index |-> k, entry |-> log[i][k], inTerm |-> currentTerm[i]] :
              k \in (commitIndex[i] + 1)..Max(Committable(i))}
    /\ UNCHANGED <<currentTerm, votedFor, log, role, electionVars, leaderVars, messages, elected>>

(* Server i answers AppendEntries request m. A request of an older term, *)
(* or whose previous entry i lacks, is refused. Otherwise i stores the   *)
(* entries and commits up to the leader's commitIndex, but never past    *)
(* the last entry the request carried, and never backwards. A candidate *)
(* of the same term has lost the election and becomes a follower.        *)
HandleAppendEntriesRequest(i, m) ==
    /\ m.type = "AppendEntriesRequest"
    /\ m.dest = i
    /\ m.term <= currentTerm[i]
    /\ m.term = currentTerm[i] => role[i] # Leader
    /\ LET j == m.source
           \* (An IF, not a disjunction: TLC explores each disjunct of an
           \* action on its own, and log[i][0] does not exist.)
           logOk == IF m.prevLogIndex = 0 THEN TRUE
                    ELSE /\ m.prevLogIndex <= Len(log[i])
                         /\ log[i][m.prevLogIndex].term = m.prevLogTerm
           accept == m.term = currentTerm[i] /\ logOk
           lastNew == m.prevLogIndex + Len(m.entries)
       IN /\ role' = [role EXCEPT ![i] = IF m.term = currentTerm[i] THEN Follower ELSE @]
          /\ \/ /\ m.term < currentTerm[i]
                /\ (*B: refused, stale term *) UNCHANGED <<log, commitIndex>>
             \/ /\ m.term = currentTerm[i]
                /\ ~logOk
                /\ (*B: refused, log mismatch *) UNCHANGED <<log, commitIndex>>
             \/ /\ accept
                /\ (*B: accepted *) log' = [log EXCEPT ![i] = Merge(@, m.prevLogIndex, m.entries)]
                /\ commitIndex' = [commitIndex EXCEPT ![i] =
                      IF Min({m.commitIndex, lastNew}) > @
                      THEN (*B: follower commit advances *) Min({m.commitIndex, lastNew})
                      ELSE @]
          /\ Reply(m, [type |-> "AppendEntriesResponse", source |-> i, dest |-> j,
                       term |-> currentTerm[i], success |-> accept,
                       matchIndex |-> IF accept THEN lastNew ELSE 0])
    /\ UNCHANGED <<currentTerm, votedFor, electionVars, leaderVars, historyVars>>

(* Server i handles an AppendEntries response of its current term; only *)
(* a leader acts on it.                                                  *)
HandleAppendEntriesResponse(i, m) ==
    /\ m.type = "AppendEntriesResponse"
    /\ m.dest = i
    /\ m.term = currentTerm[i]
    /\ LET j == m.source
       IN \/ /\ role[i] = Leader
             /\ m.success
             /\ (*B: success recorded *) nextIndex' = [nextIndex EXCEPT ![i][j] = m.matchIndex + 1]
             /\ matchIndex' = [matchIndex EXCEPT ![i][j] = Max({@, m.matchIndex})]
          \/ /\ role[i] = Leader
             /\ ~m.success
             /\ (*B: nextIndex backs off *) nextIndex' = [nextIndex EXCEPT ![i][j] = Max({@ - 1, 1})]
             /\ UNCHANGED matchIndex
          \/ /\ role[i] # Leader
             /\ (*B: ignored by a non-leader *) UNCHANGED leaderVars
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, electionVars, historyVars>>

-----------------------------------------------------------------------------
(* Any message *)

(* Server i sees a message of a higher term: it adopts the term and *)
(* becomes a follower that has not voted. The message stays in flight. *)
UpdateTerm(i, m) ==
    /\ m.dest = i
    /\ m.term > currentTerm[i]
    /\ currentTerm' = [currentTerm EXCEPT ![i] = m.term]
    /\ role' = [role EXCEPT ![i] = Follower]
    /\ votedFor' = [votedFor EXCEPT ![i] = Nil]
    /\ UNCHANGED <<log, commitIndex, electionVars, leaderVars, messages, historyVars>>

(* Server i discards a response of an older term. *)
DropStaleResponse(i, m) ==
    /\ m.type \in {"RequestVoteResponse", "AppendEntriesResponse"}
    /\ m.dest = i
    /\ m.term < currentTerm[i]
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, electionVars, leaderVars, historyVars>>

(* Server i crashes and recovers with its durable state only. *)
Restart(i) ==
    /\ role' = [role EXCEPT ![i] = Follower]
    /\ commitIndex' = [commitIndex EXCEPT ![i] = 0]
    /\ votesResponded' = [votesResponded EXCEPT ![i] = {}]
    /\ votesGranted' = [votesGranted EXCEPT ![i] = {}]
    /\ nextIndex' = [nextIndex EXCEPT ![i] = [j \in Peers(i) |-> Len(log[i]) + 1]]
    /\ matchIndex' = [matchIndex EXCEPT ![i] = [j \in Peers(i) |-> 0]]
    /\ UNCHANGED <<currentTerm, votedFor, log, messages, historyVars>>

(* The network loses a message. *)
DropMessage(m) ==
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, electionVars, leaderVars, historyVars>>

(* The network delivers a message twice. *)
DuplicateMessage(m) ==
    /\ Send(m)
    /\ UNCHANGED <<serverVars, electionVars, leaderVars, historyVars>>

-----------------------------------------------------------------------------
(* The election timer. The spec has no clocks: an election may start at   *)
(* any time, which safety needs no more. What Raft does say (the paper's   *)
(* Figure 2) is when a server restarts its election countdown: as it       *)
(* starts an election, when it grants a vote, and when it hears            *)
(* AppendEntries from the leader of its current term (a refused one too:   *)
(* the leader is alive). Never otherwise: not on a vote it refuses, not    *)
(* on a request of an older term, not on adopting a newer term. A server   *)
(* that restarts it too often may never stand for election when its        *)
(* leader is gone; one that misses a restart disrupts a healthy leader.    *)
(* This is whether step `action` of server i restarts it, m being the      *)
(* message the step handles and reply the one it sends (each read only for *)
(* the actions that have it). Traces record each restart on the event that *)
(* made it, and RaftTrace.tla holds every event to this rule.              *)
RestartsElectionTimer(action, i, m, reply) ==
    \/ action = "Timeout"
    \/ /\ action = "HandleRequestVoteRequest"
       /\ reply.voteGranted
    \/ /\ action = "HandleAppendEntriesRequest"
       /\ m.term = currentTerm[i]

-----------------------------------------------------------------------------
(* A server receives a message in flight. *)
ReceiveNext ==
    \E m \in DOMAIN messages :
        \/ UpdateTerm(m.dest, m)
        \/ HandleRequestVoteRequest(m.dest, m)
        \/ HandleRequestVoteResponse(m.dest, m)
        \/ HandleAppendEntriesRequest(m.dest, m)
        \/ HandleAppendEntriesResponse(m.dest, m)
        \/ DropStaleResponse(m.dest, m)

(* The protocol's own steps: servers acting and handling messages. *)
ProtocolNext ==
    \/ \E i \in Server : Timeout(i)
    \/ \E i \in Server : \E j \in Server : RequestVote(i, j)
    \/ \E i \in Server : BecomeLeader(i)
    \/ \E i \in Server : \E v \in Value : ClientRequest(i, v)
    \/ \E i \in Server : AdvanceCommitIndex(i)
    \/ \E i \in Server : \E j \in Server : AppendEntries(i, j)
    \/ ReceiveNext

(* Faults: crashes, and a network that loses and duplicates messages. *)
FaultNext ==
    \/ \E i \in Server : Restart(i)
    \/ \E m \in DOMAIN messages : DropMessage(m) \/ DuplicateMessage(m)

Next == ProtocolNext \/ FaultNext

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
(* Properties *)

Entries == [term : Nat \ {0}, value : Value]

TypeOK ==
    /\ currentTerm \in [Server -> Nat]
    /\ votedFor \in [Server -> Server \cup {Nil}]
    /\ \A i \in Server : log[i] \in Seq(Entries)
    /\ role \in [Server -> {Follower, Candidate, Leader}]
    /\ commitIndex \in [Server -> Nat]
    /\ votesResponded \in [Server -> SUBSET Server]
    /\ votesGranted \in [Server -> SUBSET Server]
    /\ \A i \in Server : nextIndex[i] \in [Peers(i) -> Nat \ {0}]
    /\ \A i \in Server : matchIndex[i] \in [Peers(i) -> Nat]
    /\ \A m \in DOMAIN messages : messages[m] \in Nat \ {0}

(* Each property below is written as a conjunction over servers, pairs of  *)
(* servers or history records, with the conjunct named, so that the trace *)
(* checker (RaftTrace.tla) can evaluate just the conjuncts a step can      *)
(* change.                                                                 *)

(* At most one leader is ever elected in a term. *)
OnlyLeaderOfItsTerm(e) == \A f \in elected : e.term = f.term => e.leader = f.leader
ElectionSafety == \A e \in elected : OnlyLeaderOfItsTerm(e)

(* If two logs hold an entry with the same index and term, they are       *)
(* identical up to that index. It suffices to compare them up to the last *)
(* index where their terms agree: equal prefixes up to there are equal up *)
(* to every smaller index as well.                                        *)
LogsMatch(i, j) ==
    LET agree == {k \in 1..Min({Len(log[i]), Len(log[j])}) : log[i][k].term = log[j][k].term}
    IN agree = {} \/ SubSeq(log[i], 1, Max(agree)) = SubSeq(log[j], 1, Max(agree))
LogMatching == \A i, j \in Server : LogsMatch(i, j)

(* An entry committed in a term is in the log of every leader of a later term. *)
LeaderHasCommitted(i, c) ==
    (role[i] = Leader /\ currentTerm[i] > c.inTerm) =>
        (c.index <= Len(log[i]) /\ log[i][c.index] = c.entry)
LeaderCompleteness == \A c \in committed : \A i \in Server : LeaderHasCommitted(i, c)

(* No two servers apply different entries at the same index, and no index *)
(* is ever committed with two different entries.                          *)
AppliedAgree(i, j) ==
    LET n == Min({commitIndex[i], commitIndex[j], Len(log[i]), Len(log[j])})
    IN SubSeq(log[i], 1, n) = SubSeq(log[j], 1, n)
CommittedOnce(c) == \A d \in committed : c.index = d.index => c.entry = d.entry
StateMachineSafety ==
    /\ \A i, j \in Server : AppliedAgree(i, j)
    /\ \A c \in committed : CommittedOnce(c)

(* The terms along a log never decrease: a leader appends entries of its *)
(* current term, at least the term of any entry it holds, and a follower   *)
(* keeps a prefix of its log that the leader's log shares and takes the   *)
(* leader's entries after it. A follower that keeps entries of its own     *)
(* after the leader's breaks it at once, before any log disagrees.        *)
TermsInOrder(i) == \A k \in 1..(Len(log[i]) - 1) : log[i][k].term <= log[i][k + 1].term
LogTermsInOrder == \A i \in Server : TermsInOrder(i)

CommitInLog(i) == commitIndex[i] <= Len(log[i])
CommitIndexInLog == \A i \in Server : CommitInLog(i)

(* A leader's matchIndex for a peer is what the peer acknowledged in the *)
(* leader's term, so it is 0 while the peer has not reached that term;    *)
(* for a peer of the leader's term it is a prefix of the leader's log that *)
(* the peer's log shares: the peer acknowledged it, and neither has lost  *)
(* it since (in that term only this leader writes to the peer's log, and  *)
(* never against its own). A leader that counts replicas it has not been  *)
(* told of, or kept from an earlier term, breaks it at once.              *)
MatchAgrees(i, j) ==
    (role[i] = Leader /\ j \in Peers(i)) =>
        /\ currentTerm[j] < currentTerm[i] => matchIndex[i][j] = 0
        /\ currentTerm[j] = currentTerm[i] =>
              /\ matchIndex[i][j] <= Len(log[i])
              /\ matchIndex[i][j] <= Len(log[j])
              /\ SubSeq(log[j], 1, matchIndex[i][j]) = SubSeq(log[i], 1, matchIndex[i][j])
MatchIndexAgrees == \A i, j \in Server : MatchAgrees(i, j)

(* A leader never deletes or overwrites its own entries while it leads. *)
AppendOnlyStep(i) ==
    (role[i] = Leader /\ role'[i] = Leader /\ currentTerm'[i] = currentTerm[i]) =>
        (Len(log'[i]) >= Len(log[i]) /\ SubSeq(log'[i], 1, Len(log[i])) = log[i])
LeaderAppendOnly == [][\A i \in Server : AppendOnlyStep(i)]_vars

(* A server's commitIndex never decreases, except in a restart, which      *)
(* loses it (it is volatile). Without this property a follower that moves *)
(* its commitIndex back, un-committing entries it has applied, breaks no   *)
(* invariant: the entries stay in its log.                                 *)
CommitMonotonicStep(i) == commitIndex'[i] >= commitIndex[i] \/ Restart(i)
CommitIndexMonotonic == [][\A i \in Server : CommitMonotonicStep(i)]_vars

(* Liveness: a server that stays leader brings every log up to its own.   *)
(* (Infinitely often it is no leader, or every log extends its log.) It    *)
(* holds only where faults stop and the protocol's steps are fair; no     *)
(* safety property can tell a leader that never backs off nextIndex, and  *)
(* so never repairs a follower's log, from a correct one.                  *)
LeaderRepairsLogs ==
    \A i \in Server : []<>(role[i] # Leader \/ \A j \in Server : IsPrefix(log[i], log[j]))

=============================================================================
