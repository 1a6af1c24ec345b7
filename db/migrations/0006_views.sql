-- Views and revenue (RULES §5-7): view events as received, the qualified views not yet
-- credited, what each video has been credited, and who got what of each credit.

-- Every stored view event, once per (viewer, clientEventId). viewer_id is the signed-in user's
-- id, or for an anonymous viewer a UUID derived from its X-Device-Id (domain.views.Viewer).
-- No foreign keys: a key check per row would lock each video's row for every event (hot videos
-- would pile up multixacts), and videos are never deleted (DELETED is a status).
CREATE TABLE view_events (
    viewer_id        uuid NOT NULL,
    client_event_id  text NOT NULL,
    anonymous        boolean NOT NULL,
    video_id         uuid NOT NULL,
    watched_ms       integer NOT NULL,
    occurred_at      timestamptz NOT NULL,
    received_at      timestamptz NOT NULL,
    -- The UTC day of the view: "first qualified view of the day" and the daily cap count per day.
    day              date NOT NULL GENERATED ALWAYS AS ((occurred_at AT TIME ZONE 'UTC')::date) STORED,
    qualified        boolean NOT NULL,
    CONSTRAINT view_events_pkey PRIMARY KEY (viewer_id, client_event_id),
    CONSTRAINT view_events_client_event_id_length CHECK (char_length(client_event_id) BETWEEN 1 AND 128),
    CONSTRAINT view_events_watched_not_negative CHECK (watched_ms >= 0)
);
-- At most one qualified view per viewer, video and UTC day, whatever races; it also serves the
-- daily cap's count (a prefix scan on viewer and day).
CREATE UNIQUE INDEX view_events_qualified_once_a_day ON view_events (viewer_id, day, video_id) WHERE qualified;

-- Qualified views waiting to be credited: one row per video per recordViews call, written in the
-- same transaction as the events (append-only, so concurrent calls never wait on each other).
-- Crediting deletes the rows it credits in the transaction that credits them, so at any
-- snapshot a video's qualified views = video_revenue.credited_views + the sum of its rows here.
-- Rows are only ever found by video, so no key of their own (one index less per qualified view).
CREATE TABLE uncredited_views (
    video_id     uuid NOT NULL,
    views        integer NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uncredited_views_positive CHECK (views > 0)
);
CREATE INDEX uncredited_views_video_idx ON uncredited_views (video_id);

-- The qualified views credited so far per video. A crediting run locks the rows it works on
-- (FOR UPDATE SKIP LOCKED), so two runs never credit the same video at once.
CREATE TABLE video_revenue (
    video_id        uuid PRIMARY KEY CONSTRAINT video_revenue_video_fkey REFERENCES videos (id),
    credited_views  bigint NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT video_revenue_credited_not_negative CHECK (credited_views >= 0)
);

-- One row per crediting of a video: views (views_before, views_after] credited by one
-- VIEW_REVENUE ledger transaction (none when the views earned nothing, VIEW_REVENUE_MICROS = 0).
-- The unique start of each range makes a double credit of the same views impossible even for a
-- buggy caller; verify checks that the ranges are unbroken.
CREATE TABLE view_credits (
    id              uuid PRIMARY KEY,
    transaction_id  uuid CONSTRAINT view_credits_transaction_fkey REFERENCES ledger_transactions (id),
    video_id        uuid NOT NULL CONSTRAINT view_credits_video_fkey REFERENCES videos (id),
    views_before    bigint NOT NULL,
    views_after     bigint NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT view_credits_range CHECK (0 <= views_before AND views_before < views_after),
    CONSTRAINT view_credits_start_key UNIQUE (video_id, views_before)
);

-- Who got what of one crediting, one row per party of the split (zero amounts included), so
-- earnings reports can say which character or video an amount was for: the ledger entries
-- merge two shares paid to one account in one transaction. Written only with its view_credits
-- row and ledger entries, and checked against both by `fanreel ledger verify`; no foreign keys
-- or credit index, which would cost crediting more than the rest of the row (several rows a video
-- a run, every one pointing at the same hot platform and advertising accounts).
CREATE TABLE revenue_credits (
    credit_id      uuid NOT NULL,
    party          text NOT NULL,
    account_id     uuid NOT NULL,
    holder_id      uuid,
    character_id   uuid,
    user_id        uuid,
    -- CREATOR: the video itself; ANCESTOR: the ancestor's video that was remixed.
    item_video_id  uuid,
    amount_micros  bigint NOT NULL,
    views          bigint NOT NULL,
    created_at     timestamptz NOT NULL,
    CONSTRAINT revenue_credits_party_valid CHECK (party IN ('PLATFORM', 'HOLDER', 'ANCESTOR', 'CREATOR')),
    CONSTRAINT revenue_credits_party_shape CHECK (
        (party = 'HOLDER') = (holder_id IS NOT NULL AND character_id IS NOT NULL)
        AND (party IN ('ANCESTOR', 'CREATOR')) = (user_id IS NOT NULL AND item_video_id IS NOT NULL)),
    CONSTRAINT revenue_credits_amount_not_negative CHECK (amount_micros >= 0),
    CONSTRAINT revenue_credits_views_positive CHECK (views > 0)
);
CREATE INDEX revenue_credits_holder_idx ON revenue_credits (holder_id, created_at) WHERE holder_id IS NOT NULL;
CREATE INDEX revenue_credits_user_idx ON revenue_credits (user_id, created_at) WHERE user_id IS NOT NULL;

-- Money records are append-only like the ledger they explain.
CREATE TRIGGER view_credits_append_only
    BEFORE UPDATE OR DELETE ON view_credits
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER revenue_credits_append_only
    BEFORE UPDATE OR DELETE ON revenue_credits
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
