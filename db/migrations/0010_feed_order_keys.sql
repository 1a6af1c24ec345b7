-- The home feed's followed part at any table size (issue 5, "Benchmark"): it is read from the
-- viewer's follows, each followed creator's and each followed character's newest published videos
-- through an index in feed order, so a page costs the same whether there are ten thousand videos or
-- a million (db/queries/feed.py FOLLOWED_PAGE).
--
-- A character's videos are found through its licenses, which did not carry the feed's order: a
-- license now holds its video's published_at while the video is PUBLISHED (NULL otherwise), kept
-- by the two triggers below whatever code publishes, unpublishes or licenses a video.
ALTER TABLE video_licenses ADD COLUMN published_at timestamptz;
UPDATE video_licenses l SET published_at = v.published_at
FROM videos v WHERE v.id = l.video_id AND v.status = 'PUBLISHED';

-- Published videos of a character, newest first (the feed's followed characters).
CREATE INDEX video_licenses_character_published_idx ON video_licenses (character_id, published_at DESC, video_id DESC)
    WHERE published_at IS NOT NULL;
-- 0007's index duplicates video_licenses_character_idx (0001): one less index to maintain per license.
DROP INDEX video_licenses_character_video_idx;

CREATE FUNCTION license_takes_publication() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.published_at := (SELECT v.published_at FROM videos v WHERE v.id = NEW.video_id AND v.status = 'PUBLISHED');
    RETURN NEW;
END
$$;
CREATE TRIGGER video_licenses_publication
    BEFORE INSERT ON video_licenses
    FOR EACH ROW EXECUTE FUNCTION license_takes_publication();

CREATE FUNCTION video_publication_to_licenses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE video_licenses SET published_at = CASE WHEN NEW.status = 'PUBLISHED' THEN NEW.published_at END
    WHERE video_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER videos_publication_to_licenses
    AFTER UPDATE OF status, published_at ON videos
    FOR EACH ROW WHEN ((OLD.status = 'PUBLISHED') IS DISTINCT FROM (NEW.status = 'PUBLISHED')
                       OR OLD.published_at IS DISTINCT FROM NEW.published_at)
    EXECUTE FUNCTION video_publication_to_licenses();
