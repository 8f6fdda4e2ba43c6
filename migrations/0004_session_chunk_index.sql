-- Indexes for `kubetrail sessions` and `kubetrail replay`. Each covers only session events
-- (one start, one end and a chunk per ~64 KiB or second of terminal traffic per session), so
-- ordinary requests, almost all of the trail, cost the write path nothing more.

-- A chunk's first offset (microseconds since its session started) lives in its annotations,
-- inside `extras` (docs/canonical-encoding.md, "Rows"). This reads it back: the extras up to
-- the annotations are walked field by field, the annotation `session.firstOffsetMicroseconds`
-- is returned as a number. Anything unexpected (another extras version, a truncated field, a
-- value that is not a decimal) gives NULL, never an error: an index expression that raised
-- would refuse the INSERT, and the audit trail must never refuse a row over its seek index.
-- The big-endian u32 at p; NULL when it does not fit (or p is NULL). These two helpers are
-- neither STRICT nor given a search_path so that PostgreSQL inlines them into the caller's
-- expressions: as function calls they made session_chunk_offset 13 times slower (~215 µs
-- a row instead of ~16 µs, measured on 3,530 chunk rows).
CREATE FUNCTION kubetrail.extras_u32(b bytea, p bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p >= 0 AND p + 4 <= length(b) THEN
        (get_byte(b, p::int)::bigint << 24) | (get_byte(b, (p + 1)::int)::bigint << 16)
        | (get_byte(b, (p + 2)::int)::bigint << 8) | get_byte(b, (p + 3)::int)::bigint
    END
$$;

-- The position after the `str` (u32 length, bytes) at p; NULL when it does not fit.
CREATE FUNCTION kubetrail.extras_skip_str(b bytea, p bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p + 4 + kubetrail.extras_u32(b, p) <= length(b) THEN p + 4 + kubetrail.extras_u32(b, p) END
$$;

CREATE FUNCTION kubetrail.session_chunk_offset(extras bytea) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    total  bigint := length(extras);
    p      bigint := 1;  -- 0-based read position, after the version byte
    n      bigint;
    m      bigint;
    size   bigint;
    wanted bytea := convert_to('session.firstOffsetMicroseconds', 'UTF8');
    value  bigint := 0;
    digit  int;
    negative boolean := false;
BEGIN
    IF total < 1 OR get_byte(extras, 0) <> 1 THEN
        RETURN NULL;
    END IF;
    FOR pass IN 1..2 LOOP
        IF pass = 2 THEN
            -- opt<user> impersonatedUser: str username, opt<str> uid, list<str> groups, then an extra map.
            IF p >= total THEN RETURN NULL; END IF;
            IF get_byte(extras, p::int) = 0 THEN
                p := p + 1;
                EXIT;
            END IF;
            p := kubetrail.extras_skip_str(extras, p + 1);
            IF p IS NULL OR p >= total THEN RETURN NULL; END IF;
            IF get_byte(extras, p::int) = 1 THEN
                p := kubetrail.extras_skip_str(extras, p + 1);
            ELSE
                p := p + 1;
            END IF;
            m := kubetrail.extras_u32(extras, p);
            IF m IS NULL OR m > total THEN RETURN NULL; END IF;
            p := p + 4;
            FOR j IN 1..m LOOP
                p := kubetrail.extras_skip_str(extras, p);
                IF p IS NULL THEN RETURN NULL; END IF;
            END LOOP;
        END IF;
        -- map<str, list<str>>: the caller's extra, then the impersonated user's.
        n := kubetrail.extras_u32(extras, p);
        IF n IS NULL OR n > total THEN RETURN NULL; END IF;
        p := p + 4;
        FOR i IN 1..n LOOP
            p := kubetrail.extras_skip_str(extras, p);
            m := kubetrail.extras_u32(extras, p);
            IF m IS NULL OR m > total THEN RETURN NULL; END IF;
            p := p + 4;
            FOR j IN 1..m LOOP
                p := kubetrail.extras_skip_str(extras, p);
                IF p IS NULL THEN RETURN NULL; END IF;
            END LOOP;
        END LOOP;
    END LOOP;
    -- u8 objectRef present, then opt<str> status, reason and message.
    p := p + 1;
    FOR k IN 1..3 LOOP
        IF p >= total THEN RETURN NULL; END IF;
        IF get_byte(extras, p::int) = 1 THEN
            p := kubetrail.extras_skip_str(extras, p + 1);
            IF p IS NULL THEN RETURN NULL; END IF;
        ELSE
            p := p + 1;
        END IF;
    END LOOP;
    -- map<str, str> annotations, sorted by key.
    n := kubetrail.extras_u32(extras, p);
    IF n IS NULL OR n > total THEN RETURN NULL; END IF;
    p := p + 4;
    FOR i IN 1..n LOOP
        size := kubetrail.extras_u32(extras, p);
        IF size IS NULL OR p + 4 + size > total THEN RETURN NULL; END IF;
        IF substring(extras FROM (p + 5)::int FOR size::int) = wanted THEN
            p := p + 4 + size;
            size := kubetrail.extras_u32(extras, p);
            IF size IS NULL OR size < 1 OR size > 18 OR p + 4 + size > total THEN RETURN NULL; END IF;
            -- A decimal, read byte by byte: converting the bytes to text would raise on invalid UTF-8.
            FOR j IN 0..size - 1 LOOP
                digit := get_byte(extras, (p + 4 + j)::int);
                IF j = 0 AND digit = 45 AND size > 1 THEN
                    negative := true;
                ELSIF digit BETWEEN 48 AND 57 THEN
                    value := value * 10 + (digit - 48);
                ELSE
                    RETURN NULL;
                END IF;
            END LOOP;
            RETURN CASE WHEN negative THEN -value ELSE value END;
        END IF;
        p := kubetrail.extras_skip_str(extras, kubetrail.extras_skip_str(extras, p));
        IF p IS NULL THEN RETURN NULL; END IF;
    END LOOP;
    RETURN NULL;
END
$$;

-- Replay's seek: the chunk holding an offset is the last one of its session that starts at or
-- before it, found without reading any other chunk; playing on pages forward in this order.
CREATE INDEX audit_events_session_chunks ON kubetrail.audit_events (session_id, kubetrail.session_chunk_offset(extras), seq)
    WHERE kind = 'session_chunk';

-- `kubetrail sessions`: interactive sessions by the time they started.
CREATE INDEX audit_events_session_starts ON kubetrail.audit_events (event_time) WHERE kind = 'session_start';

-- An API session's exec, attach and port-forward requests carry their own session id (the
-- interactive session's); their start events lead back from the kubectl run to them.
CREATE INDEX audit_events_session_runs ON kubetrail.audit_events ((COALESCE(kubectl_session, connection_id)))
    WHERE kind = 'session_start';

GRANT EXECUTE ON FUNCTION kubetrail.session_chunk_offset(bytea), kubetrail.extras_u32(bytea, bigint),
    kubetrail.extras_skip_str(bytea, bigint) TO kubetrail_writer, kubetrail_auditor;
