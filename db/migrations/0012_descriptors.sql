-- Descriptors: up to 20 distinctive traits of a character; a prompt naming descriptor_threshold of
-- them features it (RULES §2, kind DESCRIBED).
ALTER TABLE characters
    ADD COLUMN descriptors text[] NOT NULL DEFAULT '{}',
    ADD COLUMN descriptor_threshold integer NOT NULL DEFAULT 3,
    ADD CONSTRAINT characters_descriptor_threshold_range CHECK (descriptor_threshold BETWEEN 2 AND 10),
    ADD CONSTRAINT characters_descriptors_count CHECK (cardinality(descriptors) <= 20);

-- Catalog notifications now name the character that changed, so that each process updates its
-- detection index for that character alone instead of rebuilding it (db/catalog.py). One row-level
-- notification per character and transaction: PostgreSQL folds identical payloads of a transaction.
CREATE OR REPLACE FUNCTION notify_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed record := coalesce(NEW, OLD);
BEGIN
    IF TG_TABLE_NAME = 'characters' THEN
        PERFORM pg_notify('fanreel_catalog', changed.id::text);
    ELSE
        PERFORM pg_notify('fanreel_catalog', changed.character_id::text);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER characters_catalog_changed ON characters;
DROP TRIGGER character_aliases_catalog_changed ON character_aliases;
CREATE TRIGGER characters_catalog_changed
    AFTER INSERT OR DELETE OR UPDATE OF name, descriptors, descriptor_threshold ON characters
    FOR EACH ROW EXECUTE FUNCTION notify_catalog_changed();
CREATE TRIGGER character_aliases_catalog_changed
    AFTER INSERT OR DELETE OR UPDATE ON character_aliases
    FOR EACH ROW EXECUTE FUNCTION notify_catalog_changed();

-- TRUNCATE fires no row trigger: it tells every process to rebuild its index.
CREATE FUNCTION notify_catalog_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('fanreel_catalog', 'all');
    RETURN NULL;
END
$$;
CREATE TRIGGER characters_catalog_truncated
    AFTER TRUNCATE ON characters FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog_truncated();
CREATE TRIGGER character_aliases_catalog_truncated
    AFTER TRUNCATE ON character_aliases FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog_truncated();
