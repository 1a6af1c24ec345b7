-- Row types of what list pages read as nested rows: asyncpg decodes a row of a named type with
-- codecs it resolved once, where an anonymous ROW(...) makes it look up each field's type in every
-- row (a feed page: about 2x the decoding). Their fields are db/queries LICENSE_FIELDS
-- (videos.py) and USER_COLUMNS (users.py), in order.
CREATE TYPE listed_license AS (
    character_id uuid,
    policy_version integer,
    revenue_share_bps integer,
    generation_fee_micros bigint,
    attribution text,
    review text,
    review_note text
);

CREATE TYPE listed_user AS (
    id uuid,
    handle text,
    display_name text,
    created_at timestamptz,
    follower_count integer,
    following_count integer
);
