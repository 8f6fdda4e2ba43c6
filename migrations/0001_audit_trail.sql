-- Kubetrail audit trail: append-only events, signed checkpoints, writer keys, roles.
-- Applied by `kubetrail migrate` in one transaction; never edit once applied: add a new file.

CREATE SCHEMA IF NOT EXISTS kubetrail;

-- Roles: the proxy writes as kubetrail_writer (INSERT and SELECT only); auditors read as
-- kubetrail_auditor (SELECT only). Both are group roles: grant them to login roles. Roles belong
-- to the whole server, so several databases may be migrated at once: creating one that another
-- migration just created is not an error.
DO $$
BEGIN
    CREATE ROLE kubetrail_writer NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
DO $$
BEGIN
    CREATE ROLE kubetrail_auditor NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

-- Every change but INSERT is refused, for every role, superuser included. (A superuser can
-- still disable triggers: that is what the hash chain and the signed checkpoints catch.)
CREATE FUNCTION kubetrail.reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'kubetrail: % on %.% is not allowed: the audit trail is append-only',
        TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

-- One row per event. The typed columns plus `extras` (the fields without a column of their own)
-- are the whole event: `kubetrail verify` rebuilds its canonical bytes from them and checks the hash.
CREATE TABLE kubetrail.audit_events (
    writer_id          text        NOT NULL,
    seq                bigint      NOT NULL,
    event_time         timestamptz NOT NULL,  -- the stage timestamp
    prev_hash          bytea       NOT NULL,
    hash               bytea       NOT NULL,
    audit_id           uuid        NOT NULL,
    kind               text        NOT NULL,  -- request | session_start | session_chunk | session_end
    stage              text        NOT NULL,
    level              text        NOT NULL,
    request_time       timestamptz NOT NULL,
    verb               text        NOT NULL,
    request_uri        text        NOT NULL,
    username           text        NOT NULL,
    user_uid           text,
    groups             text[]      NOT NULL,
    impersonated_user  text,
    source_ips         text[]      NOT NULL,
    user_agent         text,
    api_group          text,
    api_version        text,
    resource           text,
    subresource        text,
    namespace          text,
    name               text,
    status_code        integer,
    cluster            text        NOT NULL,
    authn_method       text        NOT NULL,
    credential_id      text,
    decision           text        NOT NULL,  -- allow | deny | unauthenticated
    decision_rule      text,
    latency_us         bigint      NOT NULL,
    bytes_in           bigint      NOT NULL,
    bytes_out          bigint      NOT NULL,
    session_id         text,
    connection_id      text,
    kubectl_session    text,
    kubectl_command    text,
    extras             bytea       NOT NULL,  -- docs/canonical-encoding.md, section "Rows"
    request_body_type  text,
    request_body       bytea,     -- zlib, preset dictionary
    response_body_type text,
    response_body      bytea,     -- zlib, preset dictionary
    CONSTRAINT audit_events_writer_seq UNIQUE (writer_id, seq, event_time)
) PARTITION BY RANGE (event_time);

CREATE INDEX audit_events_time ON kubetrail.audit_events (event_time);
CREATE INDEX audit_events_user_time ON kubetrail.audit_events (username, event_time);
CREATE INDEX audit_events_cluster_time ON kubetrail.audit_events (cluster, event_time);
CREATE INDEX audit_events_audit_id ON kubetrail.audit_events (audit_id);
CREATE INDEX audit_events_session ON kubetrail.audit_events (session_id) WHERE session_id IS NOT NULL;

-- Rows that fall in no monthly partition land here rather than fail.
CREATE TABLE kubetrail.audit_events_default PARTITION OF kubetrail.audit_events DEFAULT;

CREATE TABLE kubetrail.audit_checkpoints (
    writer_id  text        NOT NULL,
    seq        bigint      NOT NULL,  -- the event whose hash is the signed head
    head_hash  bytea       NOT NULL,
    created_at timestamptz NOT NULL,
    signature  bytea       NOT NULL,  -- Ed25519 over "kubetrail-checkpoint-v1" ‖ writer ‖ seq ‖ hash ‖ time
    PRIMARY KEY (writer_id, seq)
);

CREATE TABLE kubetrail.audit_writers (
    writer_id     text        PRIMARY KEY,
    public_key    bytea       NOT NULL,  -- Ed25519, raw 32 bytes
    registered_at timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON kubetrail.audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION kubetrail.reject_change();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON kubetrail.audit_events_default
    FOR EACH STATEMENT EXECUTE FUNCTION kubetrail.reject_change();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON kubetrail.audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION kubetrail.reject_change();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON kubetrail.audit_writers
    FOR EACH STATEMENT EXECUTE FUNCTION kubetrail.reject_change();

-- Creates the monthly partition (UTC) holding `at`, with its append-only trigger. Runs as the
-- owner, so writers need no DDL rights. Idempotent and safe under concurrent callers.
CREATE FUNCTION kubetrail.ensure_partition(at timestamptz) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    month_start timestamptz := date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    month_end   timestamptz := (date_trunc('month', at AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
    part        text := 'audit_events_' || to_char(at AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
    IF to_regclass('kubetrail.' || part) IS NOT NULL THEN
        RETURN part;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('kubetrail.ensure_partition'));
    IF to_regclass('kubetrail.' || part) IS NOT NULL THEN
        RETURN part;
    END IF;
    -- Rows of that month already in the default partition would block the new one: keep them there.
    IF EXISTS (SELECT 1 FROM kubetrail.audit_events_default WHERE event_time >= month_start AND event_time < month_end) THEN
        RETURN 'audit_events_default';
    END IF;
    EXECUTE format('CREATE TABLE kubetrail.%I PARTITION OF kubetrail.audit_events FOR VALUES FROM (%L) TO (%L)',
                   part, month_start, month_end);
    EXECUTE format('CREATE TRIGGER append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON kubetrail.%I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION kubetrail.reject_change()', part);
    RETURN part;
END
$$;

-- Partitions ahead of time: last month, this month and the next three.
SELECT kubetrail.ensure_partition(now() + make_interval(months => m)) FROM generate_series(-1, 3) AS m;

GRANT USAGE ON SCHEMA kubetrail TO kubetrail_writer, kubetrail_auditor;
GRANT SELECT, INSERT ON kubetrail.audit_events, kubetrail.audit_checkpoints, kubetrail.audit_writers TO kubetrail_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA kubetrail TO kubetrail_auditor;
ALTER DEFAULT PRIVILEGES IN SCHEMA kubetrail GRANT SELECT ON TABLES TO kubetrail_auditor;
REVOKE ALL ON FUNCTION kubetrail.ensure_partition(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kubetrail.ensure_partition(timestamptz) TO kubetrail_writer;
