-- Activity: one row per recipient of each event (they share event_id), read or not.

CREATE TABLE activities (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id      uuid NOT NULL,
    recipient_id  uuid NOT NULL CONSTRAINT activities_recipient_fkey REFERENCES users (id) ON DELETE CASCADE,
    kind          text NOT NULL,
    video_id      uuid CONSTRAINT activities_video_fkey REFERENCES videos (id) ON DELETE CASCADE,
    character_id  uuid CONSTRAINT activities_character_fkey REFERENCES characters (id) ON DELETE CASCADE,
    actor_id      uuid CONSTRAINT activities_actor_fkey REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    read_at       timestamptz,
    CONSTRAINT activities_kind_valid CHECK (kind IN ('VIDEO_DRAFTED', 'REVIEW_REQUESTED', 'VIDEO_PUBLISHED',
        'VIDEO_REJECTED', 'VIDEO_TAKEN_DOWN', 'POLICY_PUBLISHED', 'VIDEO_LIKED', 'VIDEO_COMMENTED', 'VIDEO_REMIXED',
        'NEW_FOLLOWER')),
    CONSTRAINT activities_not_to_actor CHECK (actor_id IS NULL OR actor_id <> recipient_id),
    -- Also the lookup of a subscriber's own row of an event.
    CONSTRAINT activities_event_recipient_key UNIQUE (event_id, recipient_id)
);
-- The inbox, newest first, and its unread-only view.
CREATE INDEX activities_inbox_idx ON activities (recipient_id, created_at DESC, id DESC);
CREATE INDEX activities_unread_idx ON activities (recipient_id, created_at DESC, id DESC) WHERE read_at IS NULL;
-- The foreign keys' ON DELETE actions (e.g. erasing an account and its videos) must not scan the table.
CREATE INDEX activities_video_idx ON activities (video_id) WHERE video_id IS NOT NULL;
CREATE INDEX activities_character_idx ON activities (character_id) WHERE character_id IS NOT NULL;
CREATE INDEX activities_actor_idx ON activities (actor_id) WHERE actor_id IS NOT NULL;
