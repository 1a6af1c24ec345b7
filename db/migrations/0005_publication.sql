-- When a published video stopped being published (taken down or deleted), so that "was it
-- PUBLISHED at the time of this view?" has an exact answer.
ALTER TABLE videos ADD COLUMN unpublished_at timestamptz,
    ADD CONSTRAINT videos_unpublished_after_published CHECK (unpublished_at IS NULL OR published_at <= unpublished_at);
CREATE INDEX videos_published_idx ON videos (published_at DESC, id DESC) WHERE status = 'PUBLISHED';
