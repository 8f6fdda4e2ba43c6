-- `kubetrail who --cluster X --since …` reads, for every event of the cluster in the range, who
-- did what (username, kind, stage, verb, decision) and the latest event's groups. From the heap
-- that is one random page per event (16,500 pages for a month of one cluster in the 10-million
-- event benchmark), most of the query's time. The cluster index now carries those columns, so
-- `who` reads the index alone (an index-only scan; pages autovacuum has not yet marked
-- all-visible are still checked in the heap).
--
-- It replaces audit_events_cluster_time rather than joining it: every filter on cluster and time
-- is still answered from the same leading columns, and the write path maintains one wider index
-- entry per event instead of a second index (which cost the pipeline ~14 %, BENCHMARKS.md).
-- On an existing trail this rebuilds the index of every partition, inside the migration's
-- transaction: about 30 s per 10 million events on the benchmark machine.

CREATE INDEX audit_events_cluster_who ON kubetrail.audit_events (cluster, event_time)
    INCLUDE (username, kind, stage, verb, decision, groups);
DROP INDEX kubetrail.audit_events_cluster_time;
