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
(*  - A restart keeps currentTerm, votedFor, the snapshot and the log, and *)
(*    resets the rest; commitIndex restarts at the snapshot's index.       *)
(*                                                                         *)
(* Snapshots (Ongaro's thesis, chapter 5), switched by UseSnapshots: a     *)
(* server may replace any committed prefix of its log by a snapshot: the   *)
(* state its state machine reached by applying that prefix, with the      *)
(* prefix's last index and term. The spec keeps only the index and term:  *)
(* no action reads a state machine's content, and what the content stands *)
(* for, the committed entries up to the index, the history variable       *)
(* committed holds for the properties. Indexes stay absolute: the log     *)
(* holds the entries after the snapshot, entry k at                      *)
(* log[i][k - snapshotIndex[i]]. A leader whose nextIndex for a peer falls *)
(* inside its snapshot sends the snapshot (InstallSnapshotRequest,        *)
(* answered by an AppendEntriesResponse for the snapshot's last index). A *)
(* follower installs only a snapshot beyond its commitIndex; it keeps the  *)
(* entries after the snapshot's last entry if it holds that entry with the *)
(* same term, and discards its whole log otherwise (the thesis's Figure    *)
(* 5.3).                                                                   *)
(*                                                                         *)
(* Two guards for availability, each switched by a constant (both off, the *)
(* module is the paper's protocol and its models keep their figures):      *)
(*  - PreVote (Ongaro's thesis, section 9.6): a server whose election      *)
(*    timer fires first asks its peers whether they would vote for it in  *)
(*    the next term, changing neither its term nor its vote; only a        *)
(*    majority of yes lets it start the real election. A server says yes  *)
(*    only to a log at least as up to date as its own, and only if it has *)
(*    not heard from a leader of its term since its own timer last fired. *)
(*    A server cut off from the cluster thus cannot raise its term, and    *)
(*    cannot depose a healthy leader when it comes back.                   *)
(*  - CheckQuorum: at each of its election timer's ticks a leader checks   *)
(*    that a majority, itself included, answered its AppendEntries since   *)
(*    the last tick, and steps down if not, so that clients stop waiting   *)
(*    on a leader that can no longer commit.                               *)
(***************************************************************************)
EXTENDS Naturals, Sequences, FiniteSets, TLC

CONSTANTS
    Server,     \* the servers of the cluster
    Value,      \* the commands clients may submit
    Nil,        \* votedFor of a server that has not voted in its term
    MaxEntriesPerMessage, \* the most entries one AppendEntries carries
    UsePreVote,           \* TRUE: a timed-out server holds a pre-vote first
    UseCheckQuorum,       \* TRUE: a leader steps down when a majority stops answering
    UseSnapshots          \* TRUE: a server may compact its committed prefix into a snapshot

Follower  == "Follower"
Candidate == "Candidate"
Leader    == "Leader"
PreCandidate == "PreCandidate"   \* asking for pre-votes (UsePreVote only)

VARIABLES
    currentTerm,     \* durable: the latest term the server has seen
    votedFor,        \* durable: whom it voted for in currentTerm, or Nil
    log,             \* durable: the [term, value] entries after the snapshot
    snapshotIndex,   \* durable: the index of the last entry the snapshot replaces (0: none)
    snapshotTerm,    \* durable: that entry's term (0: none)
    role,            \* Follower, Candidate or Leader
    commitIndex,     \* the highest log index known to be committed
    votesResponded,  \* candidate: servers that answered its vote request, itself included
    votesGranted,    \* candidate: servers that granted their vote, itself included
    nextIndex,       \* leader: for each peer, the index of the next entry to send it
    matchIndex,      \* leader: for each peer, the highest index known stored there
    messages,        \* the messages in flight: a bag, [message -> number of copies]
    leaderSeen,      \* PreVote: heard from a leader of its term since its own timer last fired
    activePeers,     \* CheckQuorum, leader: the peers that answered it since its last check
    elected,         \* history: the set of [term, leader] of every election won
    committed,       \* history: every entry committed, as [index, entry, term it was committed in]
    stoodFor,        \* history, PreVote only: the highest term any server stood for election in
    quorumChecks     \* history, CheckQuorum only: how many checks each server made as leader

snapshotVars == <<snapshotIndex, snapshotTerm>>
serverVars   == <<currentTerm, votedFor, log, role, commitIndex, snapshotVars>>
electionVars == <<votesResponded, votesGranted>>
leaderVars   == <<nextIndex, matchIndex>>
guardVars    == <<leaderSeen, activePeers>>
historyVars  == <<elected, committed, stoodFor, quorumChecks>>
vars == <<serverVars, electionVars, leaderVars, guardVars, messages, historyVars>>

-----------------------------------------------------------------------------
(* Helpers *)

Quorum(S) == Cardinality(S) * 2 > Cardinality(Server)

Max(S) == CHOOSE x \in S : \A y \in S : y <= x
Min(S) == CHOOSE x \in S : \A y \in S : x <= y

(* Server i's log by absolute index. LastIndex is the index of its last   *)
(* entry, in the log or, if the log is empty, in the snapshot (0: none);   *)
(* EntryAt(i, k) is entry k for k in Retained(i); TermAt(i, k) is entry    *)
(* k's term for k from snapshotIndex[i] (the snapshot's last term, 0 for   *)
(* no snapshot) to LastIndex(i).                                           *)
LastIndex(i) == snapshotIndex[i] + Len(log[i])
Retained(i) == (snapshotIndex[i] + 1)..LastIndex(i)
EntryAt(i, k) == log[i][k - snapshotIndex[i]]
TermAt(i, k) == IF k = snapshotIndex[i] THEN snapshotTerm[i] ELSE EntryAt(i, k).term
LastTerm(i) == TermAt(i, LastIndex(i))

Peers(i) == Server \ {i}

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

(* Server i's log after it accepts AppendEntries request m: the entries of *)
(* m beyond i's snapshot merged into the log (those inside it are held).  *)
MergeAfterSnapshot(i, m) ==
    IF m.prevLogIndex >= snapshotIndex[i]
    THEN (*B: entries follow the log *) Merge(log[i], m.prevLogIndex - snapshotIndex[i], m.entries)
    ELSE (*B: entries inside the snapshot skipped *)
         Merge(log[i], 0, SubSeq(m.entries, snapshotIndex[i] - m.prevLogIndex + 1, Len(m.entries)))

(* The log a vote or pre-vote request m describes is at least as up to    *)
(* date as server i's: a later last term, or the same last term and at    *)
(* least as long.                                                          *)
UpToDate(i, m) ==
    \/ m.lastLogTerm > LastTerm(i)
    \/ /\ m.lastLogTerm = LastTerm(i)
       /\ m.lastLogIndex >= LastIndex(i)

-----------------------------------------------------------------------------
(* Message types *)

RequestVoteRequest(i, j) ==
    [type |-> "RequestVoteRequest", source |-> i, dest |-> j, term |-> currentTerm[i],
     lastLogTerm |-> LastTerm(i), lastLogIndex |-> LastIndex(i)]

(* A pre-vote request asks about the term the sender would stand in. *)
PreVoteRequest(i, j) ==
    [type |-> "PreVoteRequest", source |-> i, dest |-> j, term |-> currentTerm[i] + 1,
     lastLogTerm |-> LastTerm(i), lastLogIndex |-> LastIndex(i)]

PreVoteTypes == {"PreVoteRequest", "PreVoteResponse"}

(* (Sent only for a nextIndex beyond the snapshot: prev is in the log or is *)
(* the snapshot's last index.)                                             *)
AppendEntriesRequest(i, j) ==
    LET prev == nextIndex[i][j] - 1
        from == nextIndex[i][j] - snapshotIndex[i]   \* where the entries start in log[i]
    IN [type |-> "AppendEntriesRequest", source |-> i, dest |-> j, term |-> currentTerm[i],
        prevLogIndex |-> prev, prevLogTerm |-> TermAt(i, prev),
        entries |-> SubSeq(log[i], from, Min({Len(log[i]), from - 1 + MaxEntriesPerMessage})),
        commitIndex |-> commitIndex[i]]

(* A snapshot whole, as one message: its last index and term (and, in an  *)
(* implementation, the state machine's content, which the spec leaves out). *)
InstallSnapshotRequest(i, j) ==
    [type |-> "InstallSnapshotRequest", source |-> i, dest |-> j, term |-> currentTerm[i],
     lastIncludedIndex |-> snapshotIndex[i], lastIncludedTerm |-> snapshotTerm[i]]

-----------------------------------------------------------------------------
Init ==
    /\ currentTerm = [i \in Server |-> 0]
    /\ votedFor = [i \in Server |-> Nil]
    /\ log = [i \in Server |-> << >>]
    /\ snapshotIndex = [i \in Server |-> 0]
    /\ snapshotTerm = [i \in Server |-> 0]
    /\ role = [i \in Server |-> Follower]
    /\ commitIndex = [i \in Server |-> 0]
    /\ votesResponded = [i \in Server |-> {}]
    /\ votesGranted = [i \in Server |-> {}]
    /\ nextIndex = [i \in Server |-> [j \in Peers(i) |-> 1]]
    /\ matchIndex = [i \in Server |-> [j \in Peers(i) |-> 0]]
    /\ leaderSeen = [i \in Server |-> FALSE]
    /\ activePeers = [i \in Server |-> {}]
    /\ messages = EmptyBag
    /\ elected = {}
    /\ committed = {}
    /\ stoodFor = 0
    /\ quorumChecks = [i \in Server |-> 0]

-----------------------------------------------------------------------------
(* Elections *)

(* The highest term any server stood for election in, after server i    *)
(* stands in term t (kept only with PreVote, so that the plain models'    *)
(* states stay as they were).                                              *)
StandsIn(t) == stoodFor' = IF UsePreVote THEN Max({stoodFor, t}) ELSE stoodFor

(* Server i's election timer fires. Without PreVote it starts an election *)
(* in a new term; with PreVote it asks for pre-votes first, keeping its   *)
(* term and vote, and forgets the leader it heard from. The tallies serve *)
(* the pre-vote as they serve the vote.                                   *)
Timeout(i) ==
    /\ role[i] # Leader
    /\ votesResponded' = [votesResponded EXCEPT ![i] = {i}]
    /\ votesGranted' = [votesGranted EXCEPT ![i] = {i}]
    /\ leaderSeen' = [leaderSeen EXCEPT ![i] = FALSE]
    /\ \/ /\ ~UsePreVote
          /\ (*B: election starts *) currentTerm' = [currentTerm EXCEPT ![i] = @ + 1]
          /\ role' = [role EXCEPT ![i] = Candidate]
          /\ votedFor' = [votedFor EXCEPT ![i] = i]
       \/ /\ UsePreVote
          /\ (*B: pre-vote starts *) role' = [role EXCEPT ![i] = PreCandidate]
          /\ UNCHANGED <<currentTerm, votedFor>>
    /\ UNCHANGED <<log, commitIndex, snapshotVars, leaderVars, activePeers, messages, elected, committed, stoodFor,
                   quorumChecks>>

(* Pre-candidate i asks peer j, which has not answered yet, for a pre-vote. *)
RequestPreVote(i, j) ==
    /\ role[i] = PreCandidate
    /\ j \in Peers(i) \ votesResponded[i]
    /\ Send(PreVoteRequest(i, j))
    /\ UNCHANGED <<serverVars, electionVars, leaderVars, guardVars, historyVars>>

(* Server i answers pre-vote request m, changing nothing of its own. It    *)
(* says yes only for a term beyond its own, to a log at least as up to     *)
(* date as its own, if it is no leader and has not heard from a leader of *)
(* its term since its timer last fired. A yes carries the term asked      *)
(* about; a no carries i's own term, which tells a pre-candidate behind   *)
(* it of the newer term.                                                   *)
HandlePreVoteRequest(i, m) ==
    /\ m.type = "PreVoteRequest"
    /\ m.dest = i
    /\ LET j == m.source
           grant == /\ m.term > currentTerm[i]
                    /\ UpToDate(i, m)
                    /\ role[i] # Leader
                    /\ ~leaderSeen[i]
       IN \/ /\ grant
             /\ (*B: pre-vote granted *) Reply(m, [type |-> "PreVoteResponse", source |-> i, dest |-> j,
                                                  term |-> m.term, voteGranted |-> TRUE])
          \/ /\ ~grant
             /\ (*B: pre-vote refused *) Reply(m, [type |-> "PreVoteResponse", source |-> i, dest |-> j,
                                                  term |-> currentTerm[i], voteGranted |-> FALSE])
    /\ UNCHANGED <<serverVars, electionVars, leaderVars, guardVars, historyVars>>

(* Server i handles a pre-vote response. A pre-candidate counts a yes for  *)
(* the term it would stand in, and notes a no of its own term or an older *)
(* one; anything else (a yes from an earlier round, any answer once it is *)
(* no pre-candidate) is dropped. A no of a newer term is UpdateTerm's      *)
(* first.                                                                  *)
HandlePreVoteResponse(i, m) ==
    /\ m.type = "PreVoteResponse"
    /\ m.dest = i
    /\ m.voteGranted \/ m.term <= currentTerm[i]
    /\ LET counts == role[i] = PreCandidate /\ (m.voteGranted => m.term = currentTerm[i] + 1)
       IN \/ /\ counts
             /\ m.voteGranted
             /\ (*B: pre-vote counted *) votesGranted' = [votesGranted EXCEPT ![i] = @ \cup {m.source}]
             /\ votesResponded' = [votesResponded EXCEPT ![i] = @ \cup {m.source}]
          \/ /\ counts
             /\ ~m.voteGranted
             /\ (*B: pre-vote refusal noted *) votesResponded' = [votesResponded EXCEPT ![i] = @ \cup {m.source}]
             /\ UNCHANGED votesGranted
          \/ /\ ~counts
             /\ (*B: pre-vote answer dropped *) UNCHANGED electionVars
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, leaderVars, guardVars, historyVars>>

(* Pre-candidate i holds a majority of pre-votes: it starts the election *)
(* in the term it asked about, as Timeout does without PreVote.         *)
StartElection(i) ==
    /\ role[i] = PreCandidate
    /\ Quorum(votesGranted[i])
    /\ currentTerm' = [currentTerm EXCEPT ![i] = @ + 1]
    /\ role' = [role EXCEPT ![i] = Candidate]
    /\ votedFor' = [votedFor EXCEPT ![i] = i]
    /\ votesResponded' = [votesResponded EXCEPT ![i] = {i}]
    /\ votesGranted' = [votesGranted EXCEPT ![i] = {i}]
    /\ StandsIn(currentTerm[i] + 1)
    /\ UNCHANGED <<log, commitIndex, snapshotVars, leaderVars, guardVars, messages, elected, committed, quorumChecks>>

(* Candidate i asks peer j, which has not answered yet, for its vote. *)
RequestVote(i, j) ==
    /\ role[i] = Candidate
    /\ j \in Peers(i) \ votesResponded[i]
    /\ Send(RequestVoteRequest(i, j))
    /\ UNCHANGED <<serverVars, electionVars, leaderVars, guardVars, historyVars>>

(* Candidate i holds a majority of votes. *)
BecomeLeader(i) ==
    /\ role[i] = Candidate
    /\ Quorum(votesGranted[i])
    /\ role' = [role EXCEPT ![i] = Leader]
    /\ nextIndex' = [nextIndex EXCEPT ![i] = [j \in Peers(i) |-> LastIndex(i) + 1]]
    /\ matchIndex' = [matchIndex EXCEPT ![i] = [j \in Peers(i) |-> 0]]
    /\ activePeers' = [activePeers EXCEPT ![i] = {}]
    /\ elected' = elected \cup {[term |-> currentTerm[i], leader |-> i]}
    /\ UNCHANGED <<currentTerm, votedFor, log, commitIndex, snapshotVars, electionVars, leaderSeen, messages, committed,
                   stoodFor, quorumChecks>>

(* Server i answers vote request m. It grants its vote only in its own   *)
(* term, to a candidate whose log is at least as up to date as its own   *)
(* (a later last term, or the same last term and at least as long), and  *)
(* only if it has not voted for another candidate in this term.          *)
HandleRequestVoteRequest(i, m) ==
    /\ m.type = "RequestVoteRequest"
    /\ m.dest = i
    /\ m.term <= currentTerm[i]
    /\ LET j == m.source
           grant == /\ m.term = currentTerm[i]
                    /\ UpToDate(i, m)
                    /\ votedFor[i] \in {Nil, j}
       IN /\ \/ /\ grant
                /\ (*B: vote granted *) votedFor' = [votedFor EXCEPT ![i] = j]
             \/ /\ ~grant
                /\ (*B: vote refused *) UNCHANGED votedFor
          /\ Reply(m, [type |-> "RequestVoteResponse", source |-> i, dest |-> j,
                       term |-> currentTerm[i], voteGranted |-> grant])
    /\ UNCHANGED <<currentTerm, log, role, commitIndex, snapshotVars, electionVars, leaderVars, guardVars, historyVars>>

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
    /\ UNCHANGED <<serverVars, leaderVars, guardVars, historyVars>>

-----------------------------------------------------------------------------
(* Replication *)

(* Leader i appends a client's command v to its log. *)
ClientRequest(i, v) ==
    /\ role[i] = Leader
    /\ v \in Value
    /\ log' = [log EXCEPT ![i] = Append(@, [term |-> currentTerm[i], value |-> v])]
    /\ UNCHANGED <<currentTerm, votedFor, role, commitIndex, snapshotVars, electionVars, leaderVars, guardVars, messages,
                   historyVars>>

(* Leader i sends peer j the entries from nextIndex[i][j] on, at most *)
(* MaxEntriesPerMessage of them, if its log still holds them.        *)
AppendEntries(i, j) ==
    /\ role[i] = Leader
    /\ j \in Peers(i)
    /\ nextIndex[i][j] > snapshotIndex[i]
    /\ Send(AppendEntriesRequest(i, j))
    /\ UNCHANGED <<serverVars, electionVars, leaderVars, guardVars, historyVars>>

(* Leader i sends peer j its snapshot: the next entry j needs is in it. *)
SendSnapshot(i, j) ==
    /\ role[i] = Leader
    /\ j \in Peers(i)
    /\ nextIndex[i][j] <= snapshotIndex[i]
    /\ Send(InstallSnapshotRequest(i, j))
    /\ UNCHANGED <<serverVars, electionVars, leaderVars, guardVars, historyVars>>

(* The indexes leader i may commit: entries of its current term stored on *)
(* a majority (an older term's entry is never committed by counting        *)
(* replicas; it commits along with a later one).                           *)
Committable(i) ==
    LET Agree(k) == {i} \cup {j \in Peers(i) : matchIndex[i][j] >= k}
    IN {k \in Retained(i) : Quorum(Agree(k)) /\ EntryAt(i, k).term = currentTerm[i]}

(* Leader i commits the highest of them, if that is beyond its commitIndex. *)
AdvanceCommitIndex(i) ==
    /\ role[i] = Leader
    /\ Committable(i) # {}
    /\ Max(Committable(i)) > commitIndex[i]
    /\ commitIndex' = [commitIndex EXCEPT ![i] = Max(Committable(i))]
    /\ committed' = committed \cup
          {[index |-> k, entry |-> EntryAt(i, k), inTerm |-> currentTerm[i]] :
              k \in (commitIndex[i] + 1)..Max(Committable(i))}
    /\ UNCHANGED <<currentTerm, votedFor, log, role, snapshotVars, electionVars, leaderVars, guardVars, messages, elected,
                   stoodFor, quorumChecks>>

(* Server i answers AppendEntries request m. A request of an older term, *)
(* or whose previous entry i lacks, is refused. Otherwise i stores the   *)
(* entries and commits up to the leader's commitIndex, but never past    *)
(* the last entry the request carried, and never backwards. A candidate *)
(* of the same term has lost the election and becomes a follower. With   *)
(* PreVote, a request of its term tells i that its leader is alive. An   *)
(* entry inside i's snapshot is committed, so the leader of i's term     *)
(* holds it too: a previous entry there matches, and the entries up to   *)
(* the snapshot's end are already held.                                  *)
HandleAppendEntriesRequest(i, m) ==
    /\ m.type = "AppendEntriesRequest"
    /\ m.dest = i
    /\ m.term <= currentTerm[i]
    /\ m.term = currentTerm[i] => role[i] # Leader
    /\ LET j == m.source
           \* (An IF, not a disjunction: TLC explores each disjunct of an
           \* action on its own, and TermAt(i, k) exists only from the
           \* snapshot's index to the log's end. The empty prefix, and one
           \* inside the snapshot, always match.)
           logOk == IF m.prevLogIndex = 0 \/ m.prevLogIndex < snapshotIndex[i] THEN TRUE
                    ELSE /\ m.prevLogIndex <= LastIndex(i)
                         /\ TermAt(i, m.prevLogIndex) = m.prevLogTerm
           accept == m.term = currentTerm[i] /\ logOk
           lastNew == m.prevLogIndex + Len(m.entries)
       IN /\ role' = [role EXCEPT ![i] = IF m.term = currentTerm[i] THEN Follower ELSE @]
          /\ \/ /\ m.term < currentTerm[i]
                /\ (*B: refused, stale term *) UNCHANGED <<log, commitIndex>>
             \/ /\ m.term = currentTerm[i]
                /\ ~logOk
                /\ (*B: refused, log mismatch *) UNCHANGED <<log, commitIndex>>
             \/ /\ accept
                /\ (*B: accepted *) log' = [log EXCEPT ![i] = MergeAfterSnapshot(i, m)]
                /\ commitIndex' = [commitIndex EXCEPT ![i] =
                      IF Min({m.commitIndex, lastNew}) > @
                      THEN (*B: follower commit advances *) Min({m.commitIndex, lastNew})
                      ELSE @]
          /\ Reply(m, [type |-> "AppendEntriesResponse", source |-> i, dest |-> j,
                       term |-> currentTerm[i], success |-> accept,
                       matchIndex |-> IF accept THEN lastNew ELSE 0])
    /\ leaderSeen' = IF UsePreVote /\ m.term = currentTerm[i]
                     THEN [leaderSeen EXCEPT ![i] = TRUE] ELSE leaderSeen
    /\ UNCHANGED <<currentTerm, votedFor, snapshotVars, electionVars, leaderVars, activePeers, historyVars>>

(* Server i handles an AppendEntries response of its current term; only *)
(* a leader acts on it, and with CheckQuorum counts the peer as active.  *)
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
    /\ activePeers' = IF UseCheckQuorum /\ role[i] = Leader
                      THEN [activePeers EXCEPT ![i] = @ \cup {m.source}] ELSE activePeers
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, electionVars, leaderSeen, historyVars>>

(* Leader i's election timer ticks (CheckQuorum): it stays leader if a    *)
(* majority, itself included, answered it since its last check, and steps *)
(* down otherwise; either way it counts afresh. (The count of checks is a  *)
(* history variable: a check that changes nothing else is still a step,    *)
(* which the properties see, not a stutter.)                              *)
CheckQuorum(i) ==
    /\ UseCheckQuorum
    /\ role[i] = Leader
    /\ activePeers' = [activePeers EXCEPT ![i] = {}]
    /\ quorumChecks' = [quorumChecks EXCEPT ![i] = @ + 1]
    /\ \/ /\ Quorum(activePeers[i] \cup {i})
          /\ (*B: quorum heard, still leader *) UNCHANGED role
       \/ /\ ~Quorum(activePeers[i] \cup {i})
          /\ (*B: quorum lost, steps down *) role' = [role EXCEPT ![i] = Follower]
    /\ UNCHANGED <<currentTerm, votedFor, log, commitIndex, snapshotVars, electionVars, leaderVars, leaderSeen, messages,
                   elected, committed, stoodFor>>

-----------------------------------------------------------------------------
(* Snapshots *)

(* Server i replaces its log's entries up to index n, which is committed,  *)
(* by a snapshot of its state machine: n and n's term.                    *)
TakeSnapshot(i, n) ==
    /\ UseSnapshots
    /\ snapshotIndex[i] < n
    /\ n <= commitIndex[i]
    /\ snapshotIndex' = [snapshotIndex EXCEPT ![i] = n]
    /\ snapshotTerm' = [snapshotTerm EXCEPT ![i] = EntryAt(i, n).term]
    /\ log' = [log EXCEPT ![i] = SubSeq(@, n - snapshotIndex[i] + 1, Len(@))]
    /\ UNCHANGED <<currentTerm, votedFor, role, commitIndex, electionVars, leaderVars, guardVars, messages, historyVars>>

(* Server i handles InstallSnapshot request m (the thesis's Figure 5.3).   *)
(* Of an older term, it is refused. A snapshot that ends at or below i's   *)
(* commitIndex brings nothing new: i keeps its state (installing it would *)
(* move i's state machine back) and acknowledges the snapshot's index. A  *)
(* newer one replaces i's snapshot and becomes its commitIndex; i keeps   *)
(* the entries after the snapshot's last entry if its log holds that entry *)
(* with the same term, and otherwise discards its whole log. As for        *)
(* AppendEntries, a candidate of m's term becomes a follower, and with     *)
(* PreVote, i has heard from its leader.                                   *)
HandleInstallSnapshotRequest(i, m) ==
    /\ m.type = "InstallSnapshotRequest"
    /\ m.dest = i
    /\ m.term <= currentTerm[i]
    /\ m.term = currentTerm[i] => role[i] # Leader
    /\ LET n == m.lastIncludedIndex
           newer == n > commitIndex[i]   \* the snapshot brings entries i has not committed
           \* (Read only where n > commitIndex[i] >= snapshotIndex[i].)
           holdsLast == n <= LastIndex(i) /\ EntryAt(i, n).term = m.lastIncludedTerm
           Answer(ok) == Reply(m, [type |-> "AppendEntriesResponse", source |-> i, dest |-> m.source,
                                   term |-> currentTerm[i], success |-> ok, matchIndex |-> IF ok THEN n ELSE 0])
       IN /\ role' = [role EXCEPT ![i] = IF m.term = currentTerm[i] THEN Follower ELSE @]
          /\ \/ /\ m.term < currentTerm[i]
                /\ (*B: snapshot refused, stale term *) UNCHANGED <<log, commitIndex, snapshotVars>>
                /\ Answer(FALSE)
             \/ /\ m.term = currentTerm[i]
                /\ ~newer
                /\ (*B: snapshot already applied *) UNCHANGED <<log, commitIndex, snapshotVars>>
                /\ Answer(TRUE)
             \/ /\ m.term = currentTerm[i]
                /\ newer
                /\ snapshotIndex' = [snapshotIndex EXCEPT ![i] = n]
                /\ snapshotTerm' = [snapshotTerm EXCEPT ![i] = m.lastIncludedTerm]
                /\ commitIndex' = [commitIndex EXCEPT ![i] = n]
                /\ \/ /\ holdsLast
                      /\ (*B: snapshot installed, log suffix kept *)
                         log' = [log EXCEPT ![i] = SubSeq(@, n - snapshotIndex[i] + 1, Len(@))]
                   \/ /\ ~holdsLast
                      /\ (*B: snapshot installed, log discarded *) log' = [log EXCEPT ![i] = << >>]
                /\ Answer(TRUE)
    /\ leaderSeen' = IF UsePreVote /\ m.term = currentTerm[i]
                     THEN [leaderSeen EXCEPT ![i] = TRUE] ELSE leaderSeen
    /\ UNCHANGED <<currentTerm, votedFor, electionVars, leaderVars, activePeers, historyVars>>

-----------------------------------------------------------------------------
(* Any message *)

(* Server i sees a message of a higher term: it adopts the term and *)
(* becomes a follower that has not voted (nor heard from a leader of   *)
(* that term). The message stays in flight. A pre-vote request, or a   *)
(* pre-vote granted, carries a term no one may stand in yet: neither   *)
(* raises a term.                                                      *)
UpdateTerm(i, m) ==
    /\ m.dest = i
    /\ m.term > currentTerm[i]
    /\ m.type # "PreVoteRequest"
    /\ ~(m.type = "PreVoteResponse" /\ m.voteGranted)
    /\ currentTerm' = [currentTerm EXCEPT ![i] = m.term]
    /\ role' = [role EXCEPT ![i] = Follower]
    /\ votedFor' = [votedFor EXCEPT ![i] = Nil]
    /\ leaderSeen' = [leaderSeen EXCEPT ![i] = FALSE]
    /\ UNCHANGED <<log, commitIndex, snapshotVars, electionVars, leaderVars, activePeers, messages, historyVars>>

(* Server i discards a response of an older term. *)
DropStaleResponse(i, m) ==
    /\ m.type \in {"RequestVoteResponse", "AppendEntriesResponse"}
    /\ m.dest = i
    /\ m.term < currentTerm[i]
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, electionVars, leaderVars, guardVars, historyVars>>

(* Server i crashes and recovers with its durable state only: its state *)
(* machine restarts from the snapshot, so its commitIndex from there.     *)
Restart(i) ==
    /\ role' = [role EXCEPT ![i] = Follower]
    /\ commitIndex' = [commitIndex EXCEPT ![i] = snapshotIndex[i]]
    /\ votesResponded' = [votesResponded EXCEPT ![i] = {}]
    /\ votesGranted' = [votesGranted EXCEPT ![i] = {}]
    /\ nextIndex' = [nextIndex EXCEPT ![i] = [j \in Peers(i) |-> LastIndex(i) + 1]]
    /\ matchIndex' = [matchIndex EXCEPT ![i] = [j \in Peers(i) |-> 0]]
    /\ leaderSeen' = [leaderSeen EXCEPT ![i] = FALSE]
    /\ activePeers' = [activePeers EXCEPT ![i] = {}]
    /\ UNCHANGED <<currentTerm, votedFor, log, snapshotVars, messages, historyVars>>

(* The network loses a message. *)
DropMessage(m) ==
    /\ Discard(m)
    /\ UNCHANGED <<serverVars, electionVars, leaderVars, guardVars, historyVars>>

(* The network delivers a message twice. *)
DuplicateMessage(m) ==
    /\ Send(m)
    /\ UNCHANGED <<serverVars, electionVars, leaderVars, guardVars, historyVars>>

-----------------------------------------------------------------------------
(* The election timer. The spec has no clocks: an election may start at   *)
(* any time, which safety needs no more. What Raft does say (the paper's   *)
(* Figure 2) is when a server restarts its election countdown: as it       *)
(* starts an election, when it grants a vote, and when it hears            *)
(* AppendEntries or a snapshot from the leader of its current term (a     *)
(* refused one too: the leader is alive). Never otherwise: not on a vote it refuses, not    *)
(* on a request of an older term, not on adopting a newer term. A server   *)
(* that restarts it too often may never stand for election when its        *)
(* leader is gone; one that misses a restart disrupts a healthy leader.    *)
(* This is whether step `action` of server i restarts it, m being the      *)
(* message the step handles and reply the one it sends (each read only for *)
(* the actions that have it). Traces record each restart on the event that *)
(* made it, and RaftTrace.tla holds every event to this rule.              *)
(* The guards add: a server restarts it as it starts the real election     *)
(* after its pre-vote (a new election, a new countdown); with CheckQuorum  *)
(* the countdown is a leader's check, restarted as the server wins (its    *)
(* first check comes one election timeout later, not whenever its         *)
(* candidate's countdown would have fired) and as each check fires; a      *)
(* leader that checks on any other schedule steps down too early or never. *)
(* A pre-vote granted does not restart it: the voter promised nothing, and *)
(* must stay free to stand itself if the pre-candidate never follows       *)
(* through.                                                                *)
RestartsElectionTimer(action, i, m, reply) ==
    \/ action \in {"Timeout", "StartElection", "CheckQuorum"}
    \/ action = "BecomeLeader" /\ UseCheckQuorum
    \/ /\ action = "HandleRequestVoteRequest"
       /\ reply.voteGranted
    \/ /\ action \in {"HandleAppendEntriesRequest", "HandleInstallSnapshotRequest"}
       /\ m.term = currentTerm[i]

-----------------------------------------------------------------------------
(* A server receives a message in flight. *)
ReceiveNext ==
    \E m \in DOMAIN messages :
        \/ UpdateTerm(m.dest, m)
        \/ HandleRequestVoteRequest(m.dest, m)
        \/ HandleRequestVoteResponse(m.dest, m)
        \/ HandlePreVoteRequest(m.dest, m)
        \/ HandlePreVoteResponse(m.dest, m)
        \/ HandleAppendEntriesRequest(m.dest, m)
        \/ HandleAppendEntriesResponse(m.dest, m)
        \/ HandleInstallSnapshotRequest(m.dest, m)
        \/ DropStaleResponse(m.dest, m)

(* The protocol's own steps: servers acting and handling messages. *)
ProtocolNext ==
    \/ \E i \in Server : Timeout(i)
    \/ \E i \in Server : \E j \in Server : RequestVote(i, j)
    \/ \E i \in Server : BecomeLeader(i)
    \/ \E i \in Server : \E j \in Server : RequestPreVote(i, j)
    \/ \E i \in Server : StartElection(i)
    \/ \E i \in Server : CheckQuorum(i)
    \/ \E i \in Server : \E v \in Value : ClientRequest(i, v)
    \/ \E i \in Server : AdvanceCommitIndex(i)
    \/ \E i \in Server : \E j \in Server : AppendEntries(i, j)
    \/ \E i \in Server : \E j \in Server : SendSnapshot(i, j)
    \/ \E i \in Server : \E n \in Retained(i) : TakeSnapshot(i, n)
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
    /\ snapshotIndex \in [Server -> Nat]
    /\ snapshotTerm \in [Server -> Nat]
    /\ role \in [Server -> {Follower, PreCandidate, Candidate, Leader}]
    /\ commitIndex \in [Server -> Nat]
    /\ votesResponded \in [Server -> SUBSET Server]
    /\ votesGranted \in [Server -> SUBSET Server]
    /\ \A i \in Server : nextIndex[i] \in [Peers(i) -> Nat \ {0}]
    /\ \A i \in Server : matchIndex[i] \in [Peers(i) -> Nat]
    /\ \A m \in DOMAIN messages : messages[m] \in Nat \ {0}
    /\ leaderSeen \in [Server -> BOOLEAN]
    /\ activePeers \in [Server -> SUBSET Server]
    /\ stoodFor \in Nat
    /\ quorumChecks \in [Server -> Nat]

(* Each property below is written as a conjunction over servers, pairs of  *)
(* servers or history records, with the conjunct named, so that the trace *)
(* checker (RaftTrace.tla) can evaluate just the conjuncts a step can      *)
(* change.                                                                 *)

(* The entries committed at index k (one, by StateMachineSafety): what a *)
(* snapshot that covers k stands for there.                             *)
CommittedAt(k) == {c.entry : c \in {d \in committed : d.index = k}}

(* At most one leader is ever elected in a term. *)
OnlyLeaderOfItsTerm(e) == \A f \in elected : e.term = f.term => e.leader = f.leader
ElectionSafety == \A e \in elected : OnlyLeaderOfItsTerm(e)

(* If two logs hold an entry with the same index and term, they are       *)
(* identical up to that index. It suffices to compare them up to the last *)
(* index where their terms agree: equal prefixes up to there are equal up *)
(* to every smaller index as well. With snapshots, the entries both logs  *)
(* retain are compared so; and if i's log holds the last entry of j's     *)
(* snapshot, with its term, i's entries up to there are the committed      *)
(* ones the snapshot stands for.                                          *)
LogsMatch(i, j) ==
    LET agree == {k \in Retained(i) \cap Retained(j) : EntryAt(i, k).term = EntryAt(j, k).term}
        from == Max({snapshotIndex[i], snapshotIndex[j]}) + 1
    IN /\ agree = {} \/ \A k \in from..Max(agree) : EntryAt(i, k) = EntryAt(j, k)
       /\ (snapshotIndex[j] \in Retained(i) /\ EntryAt(i, snapshotIndex[j]).term = snapshotTerm[j]) =>
             \A k \in (snapshotIndex[i] + 1)..snapshotIndex[j] : {EntryAt(i, k)} = CommittedAt(k)
LogMatching == \A i, j \in Server : LogsMatch(i, j)

(* Server i holds committed entry c: in its log, or in its snapshot (with *)
(* its term, if it is the snapshot's last entry).                        *)
HoldsCommitted(i, c) ==
    IF c.index <= snapshotIndex[i]
    THEN c.index = snapshotIndex[i] => snapshotTerm[i] = c.entry.term
    ELSE c.index <= LastIndex(i) /\ EntryAt(i, c.index) = c.entry

(* An entry committed in a term is held by every leader of a later term. *)
LeaderHasCommitted(i, c) ==
    (role[i] = Leader /\ currentTerm[i] > c.inTerm) => HoldsCommitted(i, c)
LeaderCompleteness == \A c \in committed : \A i \in Server : LeaderHasCommitted(i, c)

(* The entries server i stands for at index k (k <= LastIndex(i)): its  *)
(* log's, or past its snapshot's index the committed ones.             *)
EntriesAt(i, k) == IF k <= snapshotIndex[i] THEN CommittedAt(k) ELSE {EntryAt(i, k)}

(* Servers i and j agree up to index n: the same entries, in their logs or *)
(* standing behind their snapshots.                                        *)
AgreeUpTo(i, j, n) == \A k \in 1..n : EntriesAt(i, k) = EntriesAt(j, k)

(* No two servers apply different entries at the same index, and no index *)
(* is ever committed with two different entries.                          *)
AppliedAgree(i, j) ==
    AgreeUpTo(i, j, Min({commitIndex[i], commitIndex[j], LastIndex(i), LastIndex(j)}))
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

CommitInLog(i) == commitIndex[i] <= LastIndex(i)
CommitIndexInLog == \A i \in Server : CommitInLog(i)

(* A snapshot covers committed entries only: a server's commitIndex is at *)
(* least its snapshot's index, and the snapshot's last index and term are *)
(* those of a committed entry (commits cover a prefix, so every index     *)
(* below it is committed too).                                            *)
SnapshotCommitted(i) ==
    /\ snapshotIndex[i] <= commitIndex[i]
    /\ snapshotIndex[i] > 0 => \E c \in committed : c.index = snapshotIndex[i] /\ c.entry.term = snapshotTerm[i]
SnapshotsCommitted == \A i \in Server : SnapshotCommitted(i)

(* Terms never move back through a snapshot: the snapshot's last term is   *)
(* at most the term of the first entry after it and the server's own term, *)
(* and a server's snapshot never moves back (installing an older snapshot *)
(* would undo applied entries, or stand a stale term before newer ones).  *)
SnapshotTermInOrder(i) ==
    /\ snapshotTerm[i] <= currentTerm[i]
    /\ log[i] # << >> => snapshotTerm[i] <= log[i][1].term
SnapshotTermsInOrder == \A i \in Server : SnapshotTermInOrder(i)
SnapshotAdvanceStep(i) == snapshotIndex'[i] >= snapshotIndex[i] /\ snapshotTerm'[i] >= snapshotTerm[i]
SnapshotsOnlyAdvance == [][\A i \in Server : SnapshotAdvanceStep(i)]_vars

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
              /\ matchIndex[i][j] <= LastIndex(i)
              /\ matchIndex[i][j] <= LastIndex(j)
              /\ AgreeUpTo(i, j, matchIndex[i][j])
MatchIndexAgrees == \A i, j \in Server : MatchAgrees(i, j)

(* A leader never deletes or overwrites its own entries while it leads (a *)
(* snapshot of its own takes them out of its log, not off it).           *)
AppendOnlyStep(i) ==
    (role[i] = Leader /\ role'[i] = Leader /\ currentTerm'[i] = currentTerm[i]) =>
        /\ LastIndex(i)' >= LastIndex(i)
        /\ \A k \in (Max({snapshotIndex[i], snapshotIndex'[i]}) + 1)..LastIndex(i) : EntryAt(i, k)' = EntryAt(i, k)
LeaderAppendOnly == [][\A i \in Server : AppendOnlyStep(i)]_vars

(* A server's commitIndex never decreases, except in a restart, which      *)
(* loses it (it is volatile). Without this property a follower that moves *)
(* its commitIndex back, un-committing entries it has applied, breaks no   *)
(* invariant: the entries stay in its log.                                 *)
CommitMonotonicStep(i) == commitIndex'[i] >= commitIndex[i] \/ Restart(i)
CommitIndexMonotonic == [][\A i \in Server : CommitMonotonicStep(i)]_vars

(* The guards' properties. A message is consumed by a step that removes a  *)
(* copy of it, and added by one that puts a copy in flight.               *)
Consumed(m) == m \notin DOMAIN messages' \/ messages'[m] < messages[m]
Added(m) == m \in DOMAIN messages' /\ (~InFlight(m) \/ messages'[m] > messages[m])

(* PreVote: every term a server holds is one that some server stood for   *)
(* election in. A pre-vote raises no term, on either side, so a server    *)
(* cut off from the cluster cannot bring back a term of its own making.   *)
TermStoodFor(i) == UsePreVote => currentTerm[i] <= stoodFor
TermsStoodFor == \A i \in Server : TermStoodFor(i)

(* PreVote: becoming a pre-candidate, and handling a pre-vote message,   *)
(* change neither the server's term nor its vote. (A pre-candidate may    *)
(* still vote in its term for another server's real election.)           *)
PreVoteStepKeeps(i) ==
    (\/ role[i] # PreCandidate /\ role'[i] = PreCandidate
     \/ \E m \in DOMAIN messages : m.dest = i /\ m.type \in PreVoteTypes /\ Consumed(m))
    => (currentTerm'[i] = currentTerm[i] /\ votedFor'[i] = votedFor[i])
PreVoteKeepsTermAndVote == [][\A i \in Server : PreVoteStepKeeps(i)]_vars

(* PreVote: a server grants a pre-vote only while it is no leader and has  *)
(* not heard from a leader of its term since its timer last fired.        *)
GrantsPreVote(i) ==
    /\ \E m \in DOMAIN messages : m.type = "PreVoteRequest" /\ m.dest = i /\ Consumed(m)
    /\ \E r \in DOMAIN messages' : r.type = "PreVoteResponse" /\ r.source = i /\ r.voteGranted /\ Added(r)
PreVoteGrantStep(i) == GrantsPreVote(i) => (role[i] # Leader /\ ~leaderSeen[i])
PreVoteOnlyWithoutLeader == [][\A i \in Server : PreVoteGrantStep(i)]_vars

(* CheckQuorum: a leader's check leaves it leader exactly when a majority, *)
(* itself included, answered it since the check before, and counts afresh. *)
(* A leader that a majority has left is no leader after its check.         *)
CheckQuorumStepOk(i) ==
    CheckQuorum(i) => /\ activePeers'[i] = {}
                      /\ (role'[i] = Leader <=> Quorum(activePeers[i] \cup {i}))
LeaderKeepsQuorum == [][\A i \in Server : CheckQuorumStepOk(i)]_vars

(* Liveness: a server that stays leader brings every log up to its own.   *)
(* (Infinitely often it is no leader, or every log extends its log.) It    *)
(* holds only where faults stop and the protocol's steps are fair; no     *)
(* safety property can tell a leader that never backs off nextIndex, and  *)
(* so never repairs a follower's log, from a correct one.                  *)
(* Server j's log extends server i's: as long, and the same entry at each *)
(* index that both retain.                                                *)
HoldsLog(j, i) ==
    /\ LastIndex(i) <= LastIndex(j)
    /\ \A k \in Retained(i) : k > snapshotIndex[j] => EntryAt(j, k) = EntryAt(i, k)
LeaderRepairsLogs ==
    \A i \in Server : []<>(role[i] # Leader \/ \A j \in Server : HoldsLog(j, i))

=============================================================================
