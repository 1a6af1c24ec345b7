-- Generation: what a video's generation was charged, and the media it produced.

ALTER TABLE videos
    ADD COLUMN base_price_micros bigint NOT NULL DEFAULT 0,
    ADD COLUMN attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN media_key text,
    ADD COLUMN thumbnail_key text,
    ADD COLUMN manifest_key text,
    ADD COLUMN content_type text,
    ADD COLUMN width integer,
    ADD COLUMN height integer,
    ADD COLUMN media_duration_seconds double precision,
    ADD COLUMN size_bytes bigint,
    ADD COLUMN sha256 text,
    ADD COLUMN generator text,
    ADD COLUMN model text,
    ADD CONSTRAINT videos_base_price_within_cost CHECK (base_price_micros BETWEEN 0 AND cost_micros),
    ADD CONSTRAINT videos_media_complete CHECK (
        (media_key IS NULL) = (sha256 IS NULL) AND (media_key IS NULL) = (thumbnail_key IS NULL));

-- Idempotency keys are honoured for 24 hours, so they are not unique forever: a lookup index.
DROP INDEX videos_idempotency_key;
CREATE INDEX videos_idempotency_idx ON videos (creator_id, idempotency_key, created_at DESC)
    WHERE idempotency_key IS NOT NULL;
-- The reconciler's and the quotas' lookups.
CREATE INDEX videos_in_flight_idx ON videos (updated_at) WHERE status IN ('QUEUED', 'GENERATING');
CREATE INDEX videos_creator_status_idx ON videos (creator_id, status);

-- A video's characters keep the order they were tagged, detected and inherited in.
ALTER TABLE video_licenses ADD COLUMN position integer NOT NULL DEFAULT 1;
