-- `kubetrail who --cluster X --since …` reads, for every event of the cluster in the range, who
-- did what: username, kind, stage, verb, decision. From the heap that is one random page per
-- event (16,500 pages for a month of one cluster in the 10-million-event benchmark), most of the
-- query's time. The cluster index now carries those columns, so who counts from the index alone
-- (an index-only scan; pages autovacuum has not yet marked all-visible are still checked in the
-- heap). The groups of each summary's latest event are fetched separately, one row per summary:
-- carrying them in the index too doubled its extra WAL for no measurable gain.
--
-- It replaces audit_events_cluster_time rather than joining it: every filter on cluster and time
-- is still answered from the same leading columns, and the write path maintains one wider index
-- entry per event instead of a second index (BENCHMARKS.md has what each costs the write path).
-- On an existing trail this rebuilds the index of every partition, inside the migration's
-- transaction: about 30 s per 10 million events on the benchmark machine.

CREATE INDEX audit_events_cluster_who ON kubetrail.audit_events (cluster, event_time)
    INCLUDE (username, kind, stage, verb, decision);
DROP INDEX kubetrail.audit_events_cluster_time;
