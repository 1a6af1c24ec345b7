-- A character as a feed page reads it beside its videos (db/queries/characters.py CHARACTER_COLUMNS,
-- in order): the page's statement returns the characters it shows as an array of these (a named
-- type, decoded with codecs resolved once; see 0019).
CREATE TYPE listed_character AS (
    id uuid,
    holder_id uuid,
    name text,
    description text,
    kind text,
    follower_count integer,
    created_at timestamptz,
    descriptors text[],
    descriptor_threshold integer,
    aliases text[]
);
