-- The social side: likes, comments, counters kept exact in the same transactions, and the
-- trending snapshots that feeds page through.

ALTER TABLE videos
    ADD COLUMN like_count integer NOT NULL DEFAULT 0,
    ADD COLUMN comment_count integer NOT NULL DEFAULT 0,
    ADD COLUMN remix_count integer NOT NULL DEFAULT 0,
    ADD CONSTRAINT videos_counts_not_negative CHECK (like_count >= 0 AND comment_count >= 0 AND remix_count >= 0);

CREATE TABLE video_likes (
    video_id    uuid NOT NULL CONSTRAINT video_likes_video_fkey REFERENCES videos (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL CONSTRAINT video_likes_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT video_likes_pkey PRIMARY KEY (video_id, user_id)
);
CREATE INDEX video_likes_user_idx ON video_likes (user_id, video_id);

CREATE TABLE comments (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    video_id    uuid NOT NULL CONSTRAINT comments_video_fkey REFERENCES videos (id) ON DELETE CASCADE,
    author_id   uuid NOT NULL CONSTRAINT comments_author_fkey REFERENCES users (id) ON DELETE CASCADE,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT comments_body_length CHECK (char_length(body) BETWEEN 1 AND 2000)
);
CREATE INDEX comments_video_idx ON comments (video_id, created_at, id);

-- Published remixes of a video, newest first.
CREATE INDEX videos_published_remixes_idx ON videos (remix_of_id, published_at DESC, id DESC)
    WHERE status = 'PUBLISHED' AND remix_of_id IS NOT NULL;
-- Published videos per creator, newest first (feeds of followed creators, User.videos).
CREATE INDEX videos_creator_published_idx ON videos (creator_id, published_at DESC, id DESC)
    WHERE status = 'PUBLISHED';
-- A character's videos, newest first: licenses carry the video's order keys to avoid a join per row.
CREATE INDEX video_licenses_character_video_idx ON video_licenses (character_id, video_id);

-- Trending: each recomputation writes a new snapshot (generation); a cursor pins its snapshot,
-- so pages stay stable while scores move. Old snapshots are dropped after an hour.
CREATE TABLE trending_snapshots (
    generation   bigint PRIMARY KEY,
    computed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE trending_ranks (
    generation  bigint NOT NULL CONSTRAINT trending_ranks_generation_fkey
                    REFERENCES trending_snapshots (generation) ON DELETE CASCADE,
    rank        integer NOT NULL,
    video_id    uuid NOT NULL CONSTRAINT trending_ranks_video_fkey REFERENCES videos (id) ON DELETE CASCADE,
    score       double precision NOT NULL,
    CONSTRAINT trending_ranks_pkey PRIMARY KEY (generation, rank),
    CONSTRAINT trending_ranks_video_key UNIQUE (generation, video_id)
);
CREATE SEQUENCE trending_generation_seq;
