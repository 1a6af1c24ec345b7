-- Rights integrity (RULES §11): verified holders, device tokens, per-IP anonymous view counts,
-- media removal, leaving the platform.

-- Verification. Every holder made before this rule (the demo data included) keeps working as it
-- did: VERIFIED. From now on an ORGANIZATION starts UNVERIFIED; a PERSON holder (a cameo) is
-- VERIFIED from its creation (the likeness is its own user's), which insert_holder sets.
ALTER TABLE holders
    ADD COLUMN verification text NOT NULL DEFAULT 'VERIFIED',
    ADD COLUMN verification_evidence text,
    ADD COLUMN verification_requested_at timestamptz,
    ADD COLUMN verification_decided_at timestamptz,
    ADD COLUMN verification_decided_by uuid CONSTRAINT holders_verification_decided_by_fkey
        REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN verification_note text,
    ADD CONSTRAINT holders_verification_valid
        CHECK (verification IN ('UNVERIFIED', 'PENDING', 'VERIFIED', 'REJECTED')),
    ADD CONSTRAINT holders_person_verified CHECK (kind <> 'PERSON' OR verification = 'VERIFIED'),
    ADD CONSTRAINT holders_evidence_length CHECK (char_length(verification_evidence) <= 5000),
    ADD CONSTRAINT holders_pending_requested CHECK (verification <> 'PENDING' OR verification_requested_at IS NOT NULL);
ALTER TABLE holders ALTER COLUMN verification SET DEFAULT 'UNVERIFIED';
-- The operators' queue, oldest request first.
CREATE INDEX holders_verification_queue_idx ON holders (verification_requested_at, id) WHERE verification = 'PENDING';

-- Devices: a signed-out viewer is a server-issued token (the id, signed). The row records when and
-- from where it was issued; device_users every account that used the device while signed in, so
-- the device never qualifies a view of those accounts' own (or their holders') videos.
CREATE TABLE devices (
    id          uuid PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_ip  text
);
CREATE TABLE device_users (
    device_id   uuid NOT NULL CONSTRAINT device_users_device_fkey REFERENCES devices (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL CONSTRAINT device_users_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT device_users_pkey PRIMARY KEY (device_id, user_id)
);
CREATE INDEX device_users_user_idx ON device_users (user_id);

-- Qualified anonymous views per client IP and UTC day (MAX_QUALIFIED_ANON_VIEWS_PER_IP_PER_DAY).
CREATE TABLE anonymous_ip_views (
    ip         text NOT NULL,
    day        date NOT NULL,
    qualified  integer NOT NULL,
    CONSTRAINT anonymous_ip_views_pkey PRIMARY KEY (ip, day),
    CONSTRAINT anonymous_ip_views_not_negative CHECK (qualified >= 0)
);

-- Media of a video that left for good (TAKEN_DOWN or DELETED) is removed after MEDIA_RETENTION_DAYS,
-- at once for a video deleted before it was ever published; media_removed_at says it is gone.
ALTER TABLE videos ADD COLUMN media_removed_at timestamptz;
CREATE INDEX videos_media_to_remove_idx ON videos (updated_at)
    WHERE status IN ('TAKEN_DOWN', 'DELETED') AND media_key IS NOT NULL AND media_removed_at IS NULL;

-- Leaving: the account row stays (ledger accounts point at it), anonymised; deleted_at says when.
ALTER TABLE users ADD COLUMN deleted_at timestamptz;

-- Fees wait for approval: the fee of a license whose review is PENDING stays in escrow
-- (fee_held) until the holder approves (paid to it) or the video is rejected, deleted or taken
-- down first (refunded to the creator). Set when the video is written; cleared by whichever
-- ledger transaction releases it, so a fee is released once.
ALTER TABLE video_licenses ADD COLUMN fee_held boolean NOT NULL DEFAULT false;
CREATE INDEX video_licenses_fee_held_idx ON video_licenses (video_id) WHERE fee_held;

-- Data exports (exportMyData): files under exports/, never public, removed by the media cron once
-- their signed URL has expired, so an archive of personal data does not outlive its use.
CREATE TABLE data_exports (
    key         text PRIMARY KEY,
    user_id     uuid NOT NULL CONSTRAINT data_exports_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_exports_created_idx ON data_exports (created_at);
