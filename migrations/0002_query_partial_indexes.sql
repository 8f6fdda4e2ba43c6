-- Indexes for `kubetrail query` that cost the write path almost nothing: each covers only the
-- few rows an auditor singles out (writes ~2 %, refusals ~5 %, error statuses). Full indexes
-- for every remaining filter were measured to halve the pipeline's rate (BENCHMARKS.md).

CREATE INDEX audit_events_writes ON kubetrail.audit_events (namespace, verb, event_time)
    WHERE verb IN ('create', 'update', 'patch', 'delete', 'deletecollection');
CREATE INDEX audit_events_not_allowed ON kubetrail.audit_events (decision, event_time) WHERE decision <> 'allow';
CREATE INDEX audit_events_errors ON kubetrail.audit_events (status_code, event_time) WHERE status_code >= 400;
