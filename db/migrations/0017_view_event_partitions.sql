-- View events at scale (issue 17): view_events partitioned by the UTC day of the event, and the
-- compact per-video-day counts of qualified views that outlive the dropped partitions.

-- The table as it was keeps its rows until they are moved below; its names make way for the new one.
ALTER TABLE view_events RENAME TO view_events_unpartitioned;
ALTER TABLE view_events_unpartitioned RENAME CONSTRAINT view_events_pkey TO view_events_unpartitioned_pkey;
ALTER INDEX view_events_qualified_once_a_day RENAME TO view_events_unpartitioned_qualified_once_a_day;

-- One partition per UTC day of occurred_at (db/view_partitions.py creates them ahead and drops
-- them after VIEW_EVENTS_RETENTION_DAYS). `day` is the partition key, so it is a plain column
-- (PostgreSQL refuses a generated one there) that the insert fills and a check keeps equal to the
-- event's UTC day. A unique key of a partitioned table must hold the partition key, and both of
-- ours do, so each holds across all partitions: the qualified view is still once per viewer, video
-- and UTC day whatever races; an event is stored once per (viewer, clientEventId) and day, and
-- recordViews finds the viewer's ids on every day an event could be accepted for (db/queries/views.py).
CREATE TABLE view_events (
    viewer_id        uuid NOT NULL,
    client_event_id  text NOT NULL,
    anonymous        boolean NOT NULL,
    video_id         uuid NOT NULL,
    watched_ms       integer NOT NULL,
    occurred_at      timestamptz NOT NULL,
    received_at      timestamptz NOT NULL,
    day              date NOT NULL,
    qualified        boolean NOT NULL,
    CONSTRAINT view_events_pkey PRIMARY KEY (viewer_id, client_event_id, day),
    CONSTRAINT view_events_day_of_occurrence CHECK (day = (occurred_at AT TIME ZONE 'UTC')::date),
    CONSTRAINT view_events_client_event_id_length CHECK (char_length(client_event_id) BETWEEN 1 AND 128),
    CONSTRAINT view_events_watched_not_negative CHECK (watched_ms >= 0)
) PARTITION BY RANGE (day);
CREATE UNIQUE INDEX view_events_qualified_once_a_day ON view_events (viewer_id, day, video_id) WHERE qualified;

-- A day's partition, made as a table of its own and then attached: ATTACH locks the parent only
-- against other DDL (SHARE UPDATE EXCLUSIVE), where CREATE TABLE ... PARTITION OF would lock out
-- every recordViews call, and wait behind any long read, until it commits. True when it was made.
-- Callers serialise (db/view_partitions.py takes an advisory lock), so the check is not raced.
CREATE FUNCTION view_events_add_partition(d date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    name text := 'view_events_' || to_char(d, 'YYYYMMDD');
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE view_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
    -- Named as the parent's, so a violation names what it guards (ATTACH adopts a matching index).
    EXECUTE format('CREATE UNIQUE INDEX %I ON %I (viewer_id, day, video_id) WHERE qualified',
                   name || '_qualified_once_a_day', name);
    EXECUTE format('ALTER TABLE view_events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', name, d, d + 1);
    RETURN true;
END $$;

-- A partition for every day the old rows fall on, and for yesterday to a week ahead (the window
-- db/view_partitions.py keeps), then the rows moved over.
SELECT view_events_add_partition(d)
FROM (SELECT DISTINCT day AS d FROM view_events_unpartitioned
      UNION SELECT (now() AT TIME ZONE 'UTC')::date + n FROM generate_series(-1, 7) AS n) AS days;
INSERT INTO view_events (viewer_id, client_event_id, anonymous, video_id, watched_ms, occurred_at, received_at, day,
                         qualified)
SELECT viewer_id, client_event_id, anonymous, video_id, watched_ms, occurred_at, received_at, day, qualified
FROM view_events_unpartitioned;
DROP TABLE view_events_unpartitioned;

-- Qualified views per video and UTC day of the partitions dropped by retention, written in the
-- transaction that drops the partition: `fanreel ledger verify` adds them to the qualified events
-- still stored, so credited + waiting = qualified holds after the events are gone.
CREATE TABLE view_day_counts (
    video_id  uuid NOT NULL,
    day       date NOT NULL,
    views     bigint NOT NULL,
    CONSTRAINT view_day_counts_pkey PRIMARY KEY (video_id, day),
    CONSTRAINT view_day_counts_positive CHECK (views > 0)
);
