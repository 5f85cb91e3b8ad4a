----------------------------- MODULE RaftTrace -----------------------------
(***************************************************************************)
(* Trace validation: is a logged run of the implementation a behaviour of  *)
(* Raft.tla?                                                               *)
(*                                                                         *)
(* The trace data comes from module TraceData, which the checker writes    *)
(* for each TLC run (spec/TraceData.tla is an empty placeholder, so that   *)
(* this module parses on its own). Definitions there are evaluated once;   *)
(* a constant substituted from the .cfg would be re-evaluated at every     *)
(* reference, which makes TLC orders of magnitude slower.                  *)
(*                                                                         *)
(* A trace arrives in chunks. A chunk is a stretch of consecutive events   *)
(* of one trace, with the global state before its first event (rebuilt     *)
(* from the events before it; the first chunk of a trace starts from       *)
(* Init). Each step of this module performs the spec action that the next  *)
(* event names, with the event's parameters, and requires the acting       *)
(* server's post-state and the messages in flight to be the ones the       *)
(* implementation logged. Chunks are independent, so any number of them,  *)
(* of any traces, can be checked in one TLC run.                           *)
(*                                                                         *)
(* TLC reports each chunk's verdict with PrintT:                           *)
(*   <<"raft-trace-verdict", id, "accepted">>                               *)
(*   <<"raft-trace-verdict", id, "diverged", k, post, sent, taken, timer>>    *)
(*       event k is enabled, but the spec's post-state (post: the acting   *)
(*       server's variables; sent/taken: messages added to or removed from *)
(*       the network) differs from the logged one, or the spec's timer     *)
(*       (whether the step restarts the election countdown; "unrecorded"   *)
(*       for traces before format version 3) differs from the logged one   *)
(*   <<"raft-trace-verdict", id, "disabled", k, guards>>                      *)
(*       the action of event k is not enabled; guards lists each enabling  *)
(*       condition as <<text, holds, values>>                              *)
(*   <<"raft-trace-verdict", id, "unsafe", k, names>>                         *)
(*       event k is a step of the spec to the logged state, but that state *)
(*       breaks the safety properties named (Raft.tla's invariants, and    *)
(*       its action properties for the step itself)                        *)
(***************************************************************************)
EXTENDS TraceData   \* which extends Raft, and defines Chunks, TraceServer, TraceValue and WholeInvariants

VARIABLES
    chunk,    \* the index in Chunks of the chunk this behaviour checks
    k,        \* how many of its events have been matched
    verdict   \* "checking", then "accepted" or "rejected"

traceVars == <<chunk, k, verdict>>

Events == Chunks[chunk].events
Ev == Events[k + 1]
HasField(r, f) == f \in DOMAIN r

TraceInit ==
    /\ chunk \in 1..Len(Chunks)
    /\ LET s == Chunks[chunk].init
       IN /\ currentTerm = s.startTerm
          /\ votedFor = s.startVotedFor
          \* Each server's snapshot, and its log's entries after it: a chunk
          \* start holds no entry a snapshot covers, however long the run.
          /\ log = s.startLog
          /\ snapshotIndex = s.startSnapshotIndex
          /\ snapshotTerm = s.startSnapshotTerm
          /\ role = s.startRole
          /\ commitIndex = s.startCommitIndex
          /\ votesResponded = s.startVotesResponded
          /\ votesGranted = s.startVotesGranted
          /\ nextIndex = s.startNextIndex
          /\ matchIndex = s.startMatchIndex
          /\ leaderSeen = s.startLeaderSeen
          /\ activePeers = s.startActivePeers
          /\ messages = s.startMessages
          \* The history too: the elections and commits of the events before
          \* the chunk, so that the safety properties see the whole run.
          /\ elected = s.startElected
          /\ committed = s.startCommitted
          /\ stoodFor = s.startStoodFor
          /\ quorumChecks = s.startQuorumChecks
    /\ k = 0
    /\ verdict = "checking"

(* The spec action an event names, with the event's parameters. *)
SpecStep(e) ==
    CASE e.action = "Timeout" -> Timeout(e.node)
      [] e.action = "RequestVote" -> RequestVote(e.node, e.peer)
      [] e.action = "BecomeLeader" -> BecomeLeader(e.node)
      [] e.action = "RequestPreVote" -> RequestPreVote(e.node, e.peer)
      [] e.action = "StartElection" -> StartElection(e.node)
      [] e.action = "CheckQuorum" -> CheckQuorum(e.node)
      [] e.action = "ClientRequest" -> ClientRequest(e.node, e.value)
      [] e.action = "AdvanceCommitIndex" -> AdvanceCommitIndex(e.node)
      [] e.action = "AppendEntries" -> AppendEntries(e.node, e.peer)
      [] e.action = "TakeSnapshot" -> TakeSnapshot(e.node, e.index)
      [] e.action = "SendSnapshot" -> SendSnapshot(e.node, e.peer)
      [] e.action = "UpdateTerm" -> InFlight(e.msg) /\ UpdateTerm(e.node, e.msg)
      [] e.action = "HandleRequestVoteRequest" -> InFlight(e.msg) /\ HandleRequestVoteRequest(e.node, e.msg)
      [] e.action = "HandleRequestVoteResponse" -> InFlight(e.msg) /\ HandleRequestVoteResponse(e.node, e.msg)
      [] e.action = "HandlePreVoteRequest" -> InFlight(e.msg) /\ HandlePreVoteRequest(e.node, e.msg)
      [] e.action = "HandlePreVoteResponse" -> InFlight(e.msg) /\ HandlePreVoteResponse(e.node, e.msg)
      [] e.action = "HandleAppendEntriesRequest" -> InFlight(e.msg) /\ HandleAppendEntriesRequest(e.node, e.msg)
      [] e.action = "HandleAppendEntriesResponse" -> InFlight(e.msg) /\ HandleAppendEntriesResponse(e.node, e.msg)
      [] e.action = "HandleInstallSnapshotRequest" -> InFlight(e.msg) /\ HandleInstallSnapshotRequest(e.node, e.msg)
      [] e.action = "DropStaleResponse" -> InFlight(e.msg) /\ DropStaleResponse(e.node, e.msg)
      [] e.action = "Restart" -> Restart(e.node)
      [] e.action = "DropMessage" -> InFlight(e.msg) /\ DropMessage(e.msg)
      [] e.action = "DuplicateMessage" -> InFlight(e.msg) /\ DuplicateMessage(e.msg)

Consumes(e) == e.action \in {"HandleRequestVoteRequest", "HandleRequestVoteResponse",
                             "HandlePreVoteRequest", "HandlePreVoteResponse",
                             "HandleAppendEntriesRequest", "HandleAppendEntriesResponse",
                             "HandleInstallSnapshotRequest", "DropStaleResponse", "DropMessage"}

(* The messages in flight after event e, as the implementation logged it. *)
LoggedMessages(e) ==
    LET taken == IF Consumes(e) THEN Take(messages, e.msg) ELSE messages
    IN CASE e.action = "DuplicateMessage" -> Put(messages, e.msg)
         [] HasField(e, "send") -> Put(taken, e.send)
         [] OTHER -> taken

(* The acting server's variables after the step (evaluated on primed variables). *)
PostState(i) ==
    [term |-> currentTerm'[i], role |-> role'[i], votedFor |-> votedFor'[i], log |-> log'[i],
     commitIndex |-> commitIndex'[i], votesResponded |-> votesResponded'[i],
     votesGranted |-> votesGranted'[i], nextIndex |-> nextIndex'[i], matchIndex |-> matchIndex'[i],
     leaderSeen |-> leaderSeen'[i], activePeers |-> activePeers'[i],
     snapshotIndex |-> snapshotIndex'[i], snapshotTerm |-> snapshotTerm'[i]]

(* The post-state the implementation logged, rebuilt from the event's delta: *)
(* the fields that changed, a log as <<entries kept, entries appended>>    *)
(* (indexes absolute: the log then holds the kept entries after the new   *)
(* snapshot, and the appended ones; an unchanged log loses those the new   *)
(* snapshot covers).                                                       *)
(* (Evaluated on the pre-state, which has matched the logged one so far.)   *)
(* The delta's fields are named new<Field>: no generated record has a field *)
(* named like a variable, which current TLC's parser warns about.         *)
LoggedPost(e) ==
    LET i == e.node
        d == e.delta
        Or(f, old) == IF HasField(d, f) THEN d[f] ELSE old
        si == snapshotIndex[i]
        newSi == Or("newSnapshotIndex", si)
    IN [term |-> Or("newTerm", currentTerm[i]), role |-> Or("newRole", role[i]),
        votedFor |-> Or("newVotedFor", votedFor[i]),
        \* (A snapshot logged as moving back cannot be rebuilt from the log, and
        \* differs from the spec's by its index: its log is left empty.)
        log |-> IF newSi < si THEN << >>
                ELSE IF HasField(d, "newLog") THEN SubSeq(log[i], newSi - si + 1, d.newLog[1] - si) \o d.newLog[2]
                ELSE IF newSi = si THEN log[i] ELSE SubSeq(log[i], newSi - si + 1, Len(log[i])),
        commitIndex |-> Or("newCommitIndex", commitIndex[i]),
        votesResponded |-> Or("newVotesResponded", votesResponded[i]),
        votesGranted |-> Or("newVotesGranted", votesGranted[i]),
        nextIndex |-> Or("newNextIndex", nextIndex[i]), matchIndex |-> Or("newMatchIndex", matchIndex[i]),
        leaderSeen |-> Or("newLeaderSeen", leaderSeen[i]), activePeers |-> Or("newActivePeers", activePeers[i]),
        snapshotIndex |-> newSi, snapshotTerm |-> Or("newSnapshotTerm", snapshotTerm[i])]

MatchesLog(e) ==
    /\ HasField(e, "delta") => PostState(e.node) = LoggedPost(e)
    /\ messages' = LoggedMessages(e)

(* Whether the step restarts its server's election countdown, by Raft.tla's *)
(* rule; and whether the implementation's did, where the trace records it   *)
(* (format version 3 on: a "timer" field on every server event). Evaluated  *)
(* on the pre-state. (A perturbed event may lack the message or the reply  *)
(* its action reads: NoMessage stands in, so that the verdict is told.)    *)
NoMessage == [type |-> "none", term |-> 0, voteGranted |-> FALSE]
LoggedMsg(e) == IF HasField(e, "msg") THEN e.msg ELSE NoMessage
LoggedReply(e) == IF HasField(e, "send") /\ HasField(e.send, "voteGranted") THEN e.send ELSE NoMessage
SpecTimer(e) == RestartsElectionTimer(e.action, e.node, LoggedMsg(e), LoggedReply(e))
TimerMatches(e) == HasField(e, "timer") => e.timer = SpecTimer(e)
(* The spec's value for a diagnosis: "unrecorded" where the trace has none. *)
TimerOfSpec(e) == IF HasField(e, "timer") THEN SpecTimer(e) ELSE "unrecorded"

Sent == {m \in DOMAIN messages' : ~InFlight(m) \/ messages'[m] > messages[m]}
Taken == {m \in DOMAIN messages : m \notin DOMAIN messages' \/ messages'[m] < messages[m]}

(* Each enabling condition of the action an event names: <<text, holds, values>>. *)
G(text, holds, values) == <<text, holds, values>>
MsgGuards(e, type) ==
    << G("the message is in flight", InFlight(e.msg), << >>),
       G(IF type = "" THEN "the message is a response" ELSE "the message is a " \o type,
         IF type = "" THEN e.msg.type \in {"RequestVoteResponse", "AppendEntriesResponse"} ELSE e.msg.type = type,
         <<<<"m.type", e.msg.type>>>>),
       G("m.dest = i", e.msg.dest = e.node, <<<<"m.dest", e.msg.dest>>, <<"i", e.node>>>>) >>
TermGuard(e, text, holds) ==
    G(text, holds, <<<<"m.term", e.msg.term>>, <<"currentTerm[i]", currentTerm[e.node]>>>>)

Guards(e) ==
    LET i == e.node IN
    CASE e.action = "Timeout" ->
            << G("role[i] is not Leader", role[i] # Leader, <<<<"role[i]", role[i]>>>>) >>
      [] e.action = "RequestPreVote" ->
            << G("role[i] = PreCandidate", role[i] = PreCandidate, <<<<"role[i]", role[i]>>>>),
               G("j is a peer that has not answered (j \\notin votesResponded[i])", e.peer \in Peers(i) \ votesResponded[i],
                 <<<<"j", e.peer>>, <<"votesResponded[i]", votesResponded[i]>>>>) >>
      [] e.action = "StartElection" ->
            << G("role[i] = PreCandidate", role[i] = PreCandidate, <<<<"role[i]", role[i]>>>>),
               G("votesGranted[i] is a majority", Quorum(votesGranted[i]), <<<<"votesGranted[i]", votesGranted[i]>>>>) >>
      [] e.action = "CheckQuorum" ->
            << G("CheckQuorum is on (UseCheckQuorum)", UseCheckQuorum, << >>),
               G("role[i] = Leader", role[i] = Leader, <<<<"role[i]", role[i]>>>>) >>
      [] e.action = "RequestVote" ->
            << G("role[i] = Candidate", role[i] = Candidate, <<<<"role[i]", role[i]>>>>),
               G("j is a peer that has not answered (j \\notin votesResponded[i])", e.peer \in Peers(i) \ votesResponded[i],
                 <<<<"j", e.peer>>, <<"votesResponded[i]", votesResponded[i]>>>>) >>
      [] e.action = "BecomeLeader" ->
            << G("role[i] = Candidate", role[i] = Candidate, <<<<"role[i]", role[i]>>>>),
               G("votesGranted[i] is a majority", Quorum(votesGranted[i]), <<<<"votesGranted[i]", votesGranted[i]>>>>) >>
      [] e.action = "ClientRequest" ->
            << G("role[i] = Leader", role[i] = Leader, <<<<"role[i]", role[i]>>>>) >>
      [] e.action = "AdvanceCommitIndex" ->
            << G("role[i] = Leader", role[i] = Leader, <<<<"role[i]", role[i]>>>>),
               G("some entry of the current term is stored on a majority", Committable(i) # {},
                 <<<<"currentTerm[i]", currentTerm[i]>>, <<"matchIndex[i]", matchIndex[i]>>,
                   <<"terms of log[i]", [n \in DOMAIN log[i] |-> log[i][n].term]>>>>),
               G("the highest such index is beyond commitIndex[i]",
                 Committable(i) # {} /\ Max(Committable(i)) > commitIndex[i],
                 <<<<"committable indexes", Committable(i)>>, <<"commitIndex[i]", commitIndex[i]>>>>) >>
      [] e.action = "AppendEntries" ->
            << G("role[i] = Leader", role[i] = Leader, <<<<"role[i]", role[i]>>>>),
               G("j is a peer of i", e.peer \in Peers(i), <<<<"j", e.peer>>>>),
               G("i's log holds the entry before nextIndex[i][j] (nextIndex[i][j] > snapshotIndex[i])",
                 e.peer \in Peers(i) /\ nextIndex[i][e.peer] > snapshotIndex[i],
                 <<<<"nextIndex[i][j]", IF e.peer \in Peers(i) THEN nextIndex[i][e.peer] ELSE "none">>,
                   <<"snapshotIndex[i]", snapshotIndex[i]>>>>) >>
      [] e.action = "TakeSnapshot" ->
            << G("snapshots are on (UseSnapshots)", UseSnapshots, << >>),
               G("n is beyond i's snapshot (snapshotIndex[i] < n)", snapshotIndex[i] < e.index,
                 <<<<"n", e.index>>, <<"snapshotIndex[i]", snapshotIndex[i]>>>>),
               G("n is committed (n <= commitIndex[i])", e.index <= commitIndex[i],
                 <<<<"n", e.index>>, <<"commitIndex[i]", commitIndex[i]>>>>) >>
      [] e.action = "SendSnapshot" ->
            << G("role[i] = Leader", role[i] = Leader, <<<<"role[i]", role[i]>>>>),
               G("j is a peer of i", e.peer \in Peers(i), <<<<"j", e.peer>>>>),
               G("j needs an entry i's snapshot covers (nextIndex[i][j] <= snapshotIndex[i])",
                 e.peer \in Peers(i) /\ nextIndex[i][e.peer] <= snapshotIndex[i],
                 <<<<"nextIndex[i][j]", IF e.peer \in Peers(i) THEN nextIndex[i][e.peer] ELSE "none">>,
                   <<"snapshotIndex[i]", snapshotIndex[i]>>>>) >>
      [] e.action = "UpdateTerm" ->
            << G("the message is in flight", InFlight(e.msg), << >>),
               G("m.dest = i", e.msg.dest = i, <<<<"m.dest", e.msg.dest>>>>),
               TermGuard(e, "m.term > currentTerm[i]", e.msg.term > currentTerm[i]),
               G("m is no pre-vote request or granted pre-vote",
                 e.msg.type # "PreVoteRequest" /\ ~(e.msg.type = "PreVoteResponse" /\ e.msg.voteGranted),
                 <<<<"m.type", e.msg.type>>>>) >>
      [] e.action = "HandlePreVoteRequest" -> MsgGuards(e, "PreVoteRequest")
      [] e.action = "HandlePreVoteResponse" ->
            MsgGuards(e, "PreVoteResponse") \o
            << G("m grants, or is of currentTerm[i] or older", e.msg.voteGranted \/ e.msg.term <= currentTerm[i],
                 <<<<"m.voteGranted", e.msg.voteGranted>>, <<"m.term", e.msg.term>>, <<"currentTerm[i]", currentTerm[i]>>>>) >>
      [] e.action = "HandleRequestVoteRequest" ->
            MsgGuards(e, "RequestVoteRequest") \o
            << TermGuard(e, "m.term <= currentTerm[i]", e.msg.term <= currentTerm[i]) >>
      [] e.action = "HandleRequestVoteResponse" ->
            MsgGuards(e, "RequestVoteResponse") \o
            << TermGuard(e, "m.term = currentTerm[i]", e.msg.term = currentTerm[i]) >>
      [] e.action = "HandleAppendEntriesRequest" ->
            MsgGuards(e, "AppendEntriesRequest") \o
            << TermGuard(e, "m.term <= currentTerm[i]", e.msg.term <= currentTerm[i]),
               G("i is no leader of m's term", e.msg.term = currentTerm[i] => role[i] # Leader, <<<<"role[i]", role[i]>>>>) >>
      [] e.action = "HandleInstallSnapshotRequest" ->
            MsgGuards(e, "InstallSnapshotRequest") \o
            << TermGuard(e, "m.term <= currentTerm[i]", e.msg.term <= currentTerm[i]),
               G("i is no leader of m's term", e.msg.term = currentTerm[i] => role[i] # Leader, <<<<"role[i]", role[i]>>>>) >>
      [] e.action = "HandleAppendEntriesResponse" ->
            MsgGuards(e, "AppendEntriesResponse") \o
            << TermGuard(e, "m.term = currentTerm[i]", e.msg.term = currentTerm[i]) >>
      [] e.action = "DropStaleResponse" ->
            MsgGuards(e, "") \o << TermGuard(e, "m.term < currentTerm[i]", e.msg.term < currentTerm[i]) >>
      [] e.action = "Restart" -> << >>
      [] e.action \in {"DropMessage", "DuplicateMessage"} ->
            << G("the message is in flight", InFlight(e.msg), << >>) >>

(* How event e changed its server's log: <<entries kept, entries         *)
(* appended>>, by absolute index, all kept when the delta has no newLog.  *)
(* Read only where MatchesLog(e) holds: the spec's log'[i] is then exactly *)
(* this change of log[i], less what the new snapshot covers. (Evaluated on *)
(* unprimed variables only: under a prime, e would be read at the next k.) *)
Change(e) == IF HasField(e, "delta") /\ HasField(e.delta, "newLog")
             THEN e.delta.newLog ELSE <<LastIndex(e.node), << >>>>

(* The properties below are checked on the change a step makes, not on    *)
(* whole logs: the state before the step satisfied them, so only the     *)
(* entries the step added, and the indexes a commit, a matchIndex or a    *)
(* snapshot moved past, need a look. Each is equal to the whole property's *)
(* value on the state after the step, given that the state before         *)
(* satisfied it; the tests compare them with WholeInvariants on. This     *)
(* keeps a step's cost independent of the length of the logs. Indexes are *)
(* absolute; i is the acting server, and j, which did not act, has the    *)
(* same variables before and after.                                       *)

(* Servers i and j stand for the same entries at index x (EntriesAt), on  *)
(* the state after the step; equal without a look where both snapshots    *)
(* cover x (both then stand for CommittedAt(x)).                          *)
AgreeAt(i, j, x) ==
    \/ x <= snapshotIndex'[i] /\ x <= snapshotIndex'[j]
    \/ EntriesAt(i, x)' = EntriesAt(j, x)'

(* LogsMatch(i, j)' and LogsMatch(j, i)' when only i's log and snapshot    *)
(* changed, its log to <<keep, app>>. Indexes up to keep hold what they    *)
(* held; a new index n whose term agrees with j's needs the kept indexes   *)
(* both retain to match j's (by LogMatching before the step, exactly when *)
(* the terms at keep agree) and the new entries up to n to be j's. A new   *)
(* entry at j's snapshot index, with its term, needs i's entries up to    *)
(* there to be the committed ones; a new snapshot of i, held by j with its *)
(* term, needs j's entries up to there to be.                             *)
LogsMatchStep(i, j, keep, app) ==
    LET from == Max({snapshotIndex'[i], snapshotIndex[j]}) + 1
        top == {n \in 1..Len(app) : keep + n > snapshotIndex[j] /\ keep + n <= LastIndex(j)
                                    /\ app[n].term = EntryAt(j, keep + n).term}
        sj == snapshotIndex[j]
    IN /\ \/ top = {}
          \/ /\ keep < from \/ (keep <= LastIndex(j) /\ EntryAt(i, keep).term = EntryAt(j, keep).term)
             /\ \A n \in 1..Max(top) : keep + n < from \/ app[n] = EntryAt(j, keep + n)
       /\ (sj > keep /\ sj <= keep + Len(app) /\ sj > snapshotIndex'[i] /\ app[sj - keep].term = snapshotTerm[j])
             => \A x \in (snapshotIndex'[i] + 1)..sj : {EntryAt(i, x)'} = CommittedAt(x)'
SnapshotMatchStep(j, i) ==
    LET si == snapshotIndex'[i]
    IN (si \in Retained(j) /\ EntryAt(j, si).term = snapshotTerm'[i]) =>
           \A x \in (snapshotIndex[j] + 1)..si : {EntryAt(j, x)} = CommittedAt(x)'

(* AppliedAgree(i, j)' when only i's variables changed: the prefix that    *)
(* agreed before, that i kept, and that i's snapshot did not take over,    *)
(* still agrees; the rest is compared.                                     *)
AppliedAgreeStep(i, j, keep) ==
    LET before == Min({commitIndex[i], commitIndex[j], LastIndex(i), LastIndex(j), keep,
                       IF snapshotIndex'[i] = snapshotIndex[i] THEN keep ELSE snapshotIndex[i]})
        after == Min({commitIndex'[i], commitIndex[j], LastIndex(i)', LastIndex(j)})
    IN \A x \in (before + 1)..after : AgreeAt(i, j, x)

(* TermsInOrder(i)' after the change <<keep, app>> (a cut from the front  *)
(* keeps the order).                                                       *)
TermsInOrderStep(i, keep, app) ==
    /\ \A n \in 1..(Len(app) - 1) : app[n].term <= app[n + 1].term
    /\ (keep > snapshotIndex'[i] /\ Len(app) > 0) => EntryAt(i, keep).term <= app[1].term

(* MatchAgrees(l, f)', comparing only the indexes not both snapshots cover. *)
MatchAgreesAfter(l, f) ==
    (role'[l] = Leader /\ f \in Peers(l)) =>
        /\ currentTerm'[f] < currentTerm'[l] => matchIndex'[l][f] = 0
        /\ currentTerm'[f] = currentTerm'[l] =>
              /\ matchIndex'[l][f] <= LastIndex(l)'
              /\ matchIndex'[l][f] <= LastIndex(f)'
              /\ \A x \in (Min({snapshotIndex'[l], snapshotIndex'[f]}) + 1)..matchIndex'[l][f] : AgreeAt(l, f, x)

(* The indexes x up to n where i's step changed what i stands for by      *)
(* moving its snapshot: those from its old snapshot to its new one.       *)
Resnapshot(i, n) == (snapshotIndex[i] + 1)..Min({n, snapshotIndex'[i]})

(* MatchAgrees(i, j)' with i acting, the leader: a matchIndex that grew in *)
(* the same term, over a kept prefix, needs only the new indexes compared, *)
(* and those its snapshot took over.                                       *)
MatchAgreesLeaderStep(i, j, keep) ==
    IF /\ role[i] = Leader /\ role'[i] = Leader
       /\ currentTerm'[i] = currentTerm[i] /\ currentTerm[j] = currentTerm[i]
       /\ matchIndex[i][j] <= matchIndex'[i][j] /\ matchIndex'[i][j] <= keep
    THEN /\ matchIndex'[i][j] <= LastIndex(j)
         /\ \A x \in (matchIndex[i][j] + 1)..matchIndex'[i][j] : AgreeAt(j, i, x)
         /\ \A x \in Resnapshot(i, matchIndex[i][j]) : AgreeAt(j, i, x)
    ELSE MatchAgreesAfter(i, j)

(* MatchAgrees(j, i)' with i acting and j a possible leader: unchanged when *)
(* i keeps its term and the prefix j's matchIndex covers, but for the      *)
(* indexes i's new snapshot took over.                                     *)
MatchAgreesPeerStep(j, i, keep) ==
    \/ /\ currentTerm'[i] = currentTerm[i] /\ matchIndex[j][i] <= keep
       /\ (role[j] = Leader /\ currentTerm[j] = currentTerm[i]) =>
             \A x \in Resnapshot(i, matchIndex[j][i]) : AgreeAt(j, i, x)
    \/ MatchAgreesAfter(j, i)

(* SnapshotCommitted(i)': its last entry's record is looked for only when *)
(* the snapshot moved (records are never removed).                        *)
SnapshotCommittedStep(i) ==
    /\ snapshotIndex'[i] <= commitIndex'[i]
    /\ (snapshotIndex'[i] # snapshotIndex[i] \/ snapshotTerm'[i] # snapshotTerm[i]) => SnapshotCommitted(i)'

(* The safety properties of Raft.tla on the state after event e, as       *)
(* <<name, holds>>. A step changes only the acting server's variables, the *)
(* network and the history, and the state before it satisfied every       *)
(* property (it is Init, a chunk start rebuilt from checked events, or was *)
(* checked after the previous event), so only the conjuncts that mention  *)
(* the acting server or a new history record can have become false, and   *)
(* only through what the step changed: those are evaluated, and the        *)
(* result is the whole property's value. (With WholeInvariants TRUE in the *)
(* data module, every property is evaluated whole instead; the tests      *)
(* compare the two.) The history variables only grow, so an unchanged     *)
(* size means nothing was added.                                           *)
(* What the guards' step properties need to know of event e, read from *)
(* the event (not from the whole bag, which a long trace fills): whether *)
(* it handles a pre-vote message, grants a pre-vote, or is a leader's     *)
(* check. Passed to SafetyOfStep as values, outside any prime.            *)
StepKind(e) ==
    [preVoteMsg |-> e.action \in {"HandlePreVoteRequest", "HandlePreVoteResponse"},
     grantsPreVote |-> /\ e.action = "HandlePreVoteRequest"
                       /\ HasField(e, "send") /\ HasField(e.send, "voteGranted") /\ e.send.voteGranted,
     checksQuorum |-> e.action = "CheckQuorum"]

SafetyOfStep(i, change, kind) ==
    LET keep == change[1]
        app == change[2]
        logChanged == keep # LastIndex(i) \/ app # << >>
        snapChanged == snapshotIndex'[i] # snapshotIndex[i] \/ snapshotTerm'[i] # snapshotTerm[i]
        newElected == IF Cardinality(elected') = Cardinality(elected) THEN {} ELSE elected' \ elected
        newCommitted == IF Cardinality(committed') = Cardinality(committed) THEN {} ELSE committed' \ committed
        \* New records that agree with those at their indexes change no
        \* CommittedAt that a property held on (one it read was not empty).
        consistentNew == \A c \in newCommitted : CommittedOnce(c)'
        \* A leader that stays leader in its term and only appends keeps every
        \* committed entry it held (a snapshot of its own included).
        leaderKeepsEntries == /\ role[i] = Leader /\ role'[i] = Leader
                              /\ currentTerm'[i] = currentTerm[i]
                              /\ keep = LastIndex(i)
        others == Server \ {i}
    IN << <<"ElectionSafety", \A f \in newElected : OnlyLeaderOfItsTerm(f)'>>,
          <<"LogMatching",
            /\ logChanged => \A j \in others : LogsMatchStep(i, j, keep, app)
            /\ snapChanged => \A j \in others : SnapshotMatchStep(j, i)
            /\ consistentNew \/ LogMatching'>>,
          <<"LeaderCompleteness",
            /\ (role'[i] = Leader /\ ~leaderKeepsEntries) => \A c \in committed' : LeaderHasCommitted(i, c)'
            /\ \A c \in newCommitted : \A j \in Server : LeaderHasCommitted(j, c)'>>,
          <<"StateMachineSafety",
            /\ (logChanged \/ snapChanged \/ commitIndex'[i] # commitIndex[i]) =>
                   \A j \in others : AppliedAgreeStep(i, j, keep)
            /\ consistentNew>>,
          <<"LogTermsInOrder", logChanged => TermsInOrderStep(i, keep, app)>>,
          <<"CommitIndexInLog", CommitInLog(i)'>>,
          <<"MatchIndexAgrees",
            /\ \A j \in others : MatchAgreesLeaderStep(i, j, keep) /\ MatchAgreesPeerStep(j, i, keep)
            /\ consistentNew \/ MatchIndexAgrees'>>,
          <<"LeaderAppendOnly",
            (role[i] = Leader /\ role'[i] = Leader /\ currentTerm'[i] = currentTerm[i]) =>
                (keep = LastIndex(i) \/ AppendOnlyStep(i))>>,
          <<"CommitIndexMonotonic", CommitMonotonicStep(i)>>,
          <<"TermsStoodFor", TermStoodFor(i)'>>,
          <<"PreVoteKeepsTermAndVote",
            ((role[i] # PreCandidate /\ role'[i] = PreCandidate) \/ kind.preVoteMsg)
                => (currentTerm'[i] = currentTerm[i] /\ votedFor'[i] = votedFor[i])>>,
          <<"PreVoteOnlyWithoutLeader", kind.grantsPreVote => (role[i] # Leader /\ ~leaderSeen[i])>>,
          <<"LeaderKeepsQuorum",
            kind.checksQuorum => (activePeers'[i] = {} /\ (role'[i] = Leader <=> Quorum(activePeers[i] \cup {i})))>>,
          <<"SnapshotsCommitted", SnapshotCommittedStep(i)>>,
          <<"SnapshotTermsInOrder", SnapshotTermInOrder(i)'>>,
          <<"SnapshotsOnlyAdvance", SnapshotAdvanceStep(i)>> >>

SafetyWhole ==
    << <<"ElectionSafety", ElectionSafety'>>, <<"LogMatching", LogMatching'>>,
       <<"LeaderCompleteness", LeaderCompleteness'>>, <<"StateMachineSafety", StateMachineSafety'>>,
       <<"LogTermsInOrder", LogTermsInOrder'>>,
       <<"CommitIndexInLog", CommitIndexInLog'>>, <<"MatchIndexAgrees", MatchIndexAgrees'>>,
       <<"LeaderAppendOnly", \A j \in Server : AppendOnlyStep(j)>>,
       <<"CommitIndexMonotonic", \A j \in Server : CommitMonotonicStep(j)>>,
       <<"TermsStoodFor", TermsStoodFor'>>,
       <<"PreVoteKeepsTermAndVote", \A j \in Server : PreVoteStepKeeps(j)>>,
       <<"PreVoteOnlyWithoutLeader", \A j \in Server : PreVoteGrantStep(j)>>,
       <<"LeaderKeepsQuorum", \A j \in Server : CheckQuorumStepOk(j)>>,
       <<"SnapshotsCommitted", SnapshotsCommitted'>>, <<"SnapshotTermsInOrder", SnapshotTermsInOrder'>>,
       <<"SnapshotsOnlyAdvance", \A j \in Server : SnapshotAdvanceStep(j)>> >>

(* The server an event changes, if any (the network's events change none), *)
(* as a set: a bound identifier i keeps its value under priming, while     *)
(* e.node, read from the variables chunk and k, would not.                 *)
Actor(e) == IF HasField(e, "node") THEN {e.node} ELSE {}
Checks(e) == IF WholeInvariants THEN {SafetyWhole}
             ELSE LET change == IF HasField(e, "node") THEN Change(e) ELSE << >>
                      kind == StepKind(e)
                  IN {SafetyOfStep(i, change, kind) : i \in Actor(e)}
Safe(e) == \A checks \in Checks(e) : \A n \in DOMAIN checks : checks[n][2]
Broken(e) == UNION {{checks[n][1] : n \in {x \in DOMAIN checks : ~checks[x][2]}} : checks \in Checks(e)}

Verdict(v) == <<"raft-trace-verdict", Chunks[chunk].id>> \o v

(* The next event matches the spec: take the step. *)
Advance ==
    /\ verdict = "checking"
    /\ k < Len(Events)
    /\ SpecStep(Ev)
    /\ MatchesLog(Ev)
    /\ TimerMatches(Ev)
    /\ Safe(Ev)
    /\ k' = k + 1
    /\ UNCHANGED <<chunk, verdict>>

(* Every event matched. *)
Accept ==
    /\ verdict = "checking"
    /\ k = Len(Events)
    /\ PrintT(Verdict(<<"accepted">>))
    /\ verdict' = "accepted"
    /\ UNCHANGED <<vars, chunk, k>>

(* The next event does not match, or leads to an unsafe state: say why, and stop. *)
Reject ==
    /\ verdict = "checking"
    /\ k < Len(Events)
    /\ ~ENABLED Advance
    /\ IF ENABLED (SpecStep(Ev) /\ MatchesLog(Ev) /\ ~Safe(Ev))
       THEN /\ SpecStep(Ev)
            /\ MatchesLog(Ev)
            /\ PrintT(Verdict(<<"unsafe", k + 1, Broken(Ev)>>))
       ELSE IF ENABLED SpecStep(Ev)
       THEN /\ SpecStep(Ev)
            /\ PrintT(Verdict(<<"diverged", k + 1,
                               IF HasField(Ev, "delta") THEN PostState(Ev.node) ELSE << >>, Sent, Taken,
                               TimerOfSpec(Ev)>>))
       ELSE /\ PrintT(Verdict(<<"disabled", k + 1, Guards(Ev)>>))
            /\ UNCHANGED vars
    /\ verdict' = "rejected"
    /\ UNCHANGED <<chunk, k>>

TraceNext == Advance \/ Accept \/ Reject

(* Each behaviour checks one chunk and is deterministic: a chunk and a    *)
(* count of matched events name its state. TLC fingerprints this view     *)
(* instead of the whole state, whose logs and histories grow with the run. *)
TraceView == <<chunk, k, verdict>>

TraceSpec == TraceInit /\ [][TraceNext]_<<vars, traceVars>>
=============================================================================
