-- Safety and a feed the viewer steers (RULES §10): blocks, reports and moderation, suspensions,
-- feed preferences, "see less", and full-text search over published videos.

-- One row per block, in the direction it was made; queries probe both directions (the primary key
-- and user_blocks_blocked_idx), so either user's block hides each from the other.
CREATE TABLE user_blocks (
    blocker_id  uuid NOT NULL CONSTRAINT user_blocks_blocker_fkey REFERENCES users (id) ON DELETE CASCADE,
    blocked_id  uuid NOT NULL CONSTRAINT user_blocks_blocked_fkey REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_blocks_pkey PRIMARY KEY (blocker_id, blocked_id),
    CONSTRAINT user_blocks_not_self CHECK (blocker_id <> blocked_id)
);
CREATE INDEX user_blocks_blocked_idx ON user_blocks (blocked_id, blocker_id);

-- A suspended user's tokens stop working and their videos and comments leave public lists.
ALTER TABLE users ADD COLUMN suspended_at timestamptz;

-- Reports: a subject is a video, a comment or a user (no foreign key: a report outlives a deleted
-- comment, whose text is kept in `comment` so the queue still shows what was reported).
CREATE TABLE reports (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    reporter_id   uuid NOT NULL CONSTRAINT reports_reporter_fkey REFERENCES users (id) ON DELETE CASCADE,
    subject_kind  text NOT NULL,
    subject_id    uuid NOT NULL,
    comment       jsonb,
    reason        text NOT NULL,
    note          text,
    status        text NOT NULL DEFAULT 'OPEN',
    created_at    timestamptz NOT NULL DEFAULT now(),
    resolved_at   timestamptz,
    CONSTRAINT reports_subject_kind_valid CHECK (subject_kind IN ('Video', 'Comment', 'User')),
    CONSTRAINT reports_reason_valid CHECK (reason IN ('IMPERSONATION', 'RIGHTS', 'HARASSMENT', 'SEXUAL', 'VIOLENCE',
        'SPAM', 'MINOR_SAFETY', 'OTHER')),
    CONSTRAINT reports_status_valid CHECK (status IN ('OPEN', 'ACTIONED', 'DISMISSED')),
    CONSTRAINT reports_note_length CHECK (char_length(note) <= 2000),
    CONSTRAINT reports_reporter_subject_key UNIQUE (reporter_id, subject_id)
);
-- The moderation queue: open reports, oldest first.
CREATE INDEX reports_open_idx ON reports (created_at, id) WHERE status = 'OPEN';
CREATE INDEX reports_subject_idx ON reports (subject_id) WHERE status = 'OPEN';

-- Every moderation decision, with who made it and when (append-only by convention: never updated).
CREATE TABLE moderation_actions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id    uuid NOT NULL CONSTRAINT moderation_actions_report_fkey REFERENCES reports (id) ON DELETE CASCADE,
    operator_id  uuid CONSTRAINT moderation_actions_operator_fkey REFERENCES users (id) ON DELETE SET NULL,
    action       text NOT NULL,
    note         text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT moderation_actions_action_valid CHECK (action IN ('DISMISS', 'TAKE_DOWN_VIDEO', 'DELETE_COMMENT',
        'SUSPEND_USER'))
);
CREATE INDEX moderation_actions_report_idx ON moderation_actions (report_id);

-- Reporters are told the outcome through activity.
ALTER TABLE activities ADD COLUMN report_id uuid CONSTRAINT activities_report_fkey REFERENCES reports (id)
    ON DELETE CASCADE;
-- (REPORT_ACTIONED, REPORT_DISMISSED: activity kinds are checked by shape since 0014.)

-- Feed preferences: no row means MIXED and every rating.
CREATE TABLE feed_preferences (
    user_id     uuid PRIMARY KEY CONSTRAINT feed_preferences_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    mode        text NOT NULL DEFAULT 'MIXED',
    max_rating  text NOT NULL DEFAULT 'R',
    CONSTRAINT feed_preferences_mode_valid CHECK (mode IN ('MIXED', 'FOLLOWING', 'TRENDING')),
    CONSTRAINT feed_preferences_max_rating_valid CHECK (max_rating IN ('G', 'PG', 'PG13', 'R'))
);

-- Ratings in order, so that "at most maxRating" is a comparison.
CREATE FUNCTION rating_level(rating text) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN array_position(ARRAY['G', 'PG', 'PG13', 'R'], rating);

-- "See less" of a creator or character (subject_id) or a term (its normalised form, and the
-- tsquery matched against a video's search_document).
CREATE TABLE see_less (
    user_id     uuid NOT NULL CONSTRAINT see_less_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL,
    subject_id  uuid,
    term        text,
    query       tsquery,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT see_less_kind_valid CHECK (kind IN ('CREATOR', 'CHARACTER', 'TERM')),
    CONSTRAINT see_less_shape CHECK (
        (kind = 'TERM' AND term IS NOT NULL AND query IS NOT NULL AND subject_id IS NULL)
        OR (kind <> 'TERM' AND subject_id IS NOT NULL AND term IS NULL AND query IS NULL))
);
CREATE UNIQUE INDEX see_less_subject_key ON see_less (user_id, kind, subject_id) WHERE subject_id IS NOT NULL;
CREATE UNIQUE INDEX see_less_term_key ON see_less (user_id, term) WHERE term IS NOT NULL;

-- Full-text search over prompt and caption (English stemming), plus each #hashtag of the caption
-- as an exact lexeme ('#cats', which the words' parser never produces), so #tags match exactly.
ALTER TABLE videos ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
    to_tsvector('english', prompt || ' ' || coalesce(caption, ''))
    || array_to_tsvector(array_remove(string_to_array(lower(
        regexp_replace(coalesce(caption, ''), '[^#]*?(#\w+)|[^#]*$|#', '\1 ', 'g')), ' '), ''))
) STORED;
CREATE INDEX videos_search_idx ON videos USING gin (search_document) WHERE status = 'PUBLISHED';
