-- Rights holders: followers of characters, denied-attempt counters, and change
-- notifications that keep every process's detection automaton fresh.

CREATE TABLE character_follows (
    character_id  uuid NOT NULL CONSTRAINT character_follows_character_fkey REFERENCES characters (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL CONSTRAINT character_follows_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT character_follows_pkey PRIMARY KEY (character_id, user_id)
);
CREATE INDEX character_follows_user_idx ON character_follows (user_id, created_at DESC);

-- One counter per character, reason code and hour: the demand signal for closed characters.
-- Nothing else of a refused request is kept.
CREATE TABLE denied_attempts (
    character_id  uuid NOT NULL CONSTRAINT denied_attempts_character_fkey REFERENCES characters (id) ON DELETE CASCADE,
    code          text NOT NULL,
    hour          timestamptz NOT NULL,
    count         integer NOT NULL,
    CONSTRAINT denied_attempts_pkey PRIMARY KEY (character_id, hour, code),
    CONSTRAINT denied_attempts_count_positive CHECK (count > 0),
    CONSTRAINT denied_attempts_hour_truncated CHECK (hour = date_trunc('hour', hour))
);

-- Any change to names or aliases tells every listening process to rebuild its automaton.
-- NOTIFY is transactional: listeners hear it only once the change is committed.
CREATE FUNCTION notify_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('fanreel_catalog', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER characters_catalog_changed
    AFTER INSERT OR DELETE OR UPDATE OF name ON characters
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog_changed();
CREATE TRIGGER character_aliases_catalog_changed
    AFTER INSERT OR DELETE OR UPDATE ON character_aliases
    FOR EACH STATEMENT EXECUTE FUNCTION notify_catalog_changed();
