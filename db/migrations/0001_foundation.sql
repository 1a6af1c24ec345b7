-- Foundation: accounts, holders, characters with versioned policies, videos with licenses.
-- Every constraint is named so the API can map violations to user errors by name.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE users (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    handle          text NOT NULL,
    display_name    text NOT NULL,
    email           text NOT NULL,
    password_hash   text NOT NULL,
    follower_count  integer NOT NULL DEFAULT 0,
    following_count integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_handle_format CHECK (handle ~ '^[a-z0-9_]{3,30}$'),
    CONSTRAINT users_display_name_length CHECK (char_length(display_name) BETWEEN 1 AND 80),
    CONSTRAINT users_email_lowercase CHECK (email = lower(email)),
    CONSTRAINT users_counts_not_negative CHECK (follower_count >= 0 AND following_count >= 0),
    CONSTRAINT users_handle_key UNIQUE (handle),
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE auth_tokens (
    token_hash  bytea PRIMARY KEY,
    user_id     uuid NOT NULL CONSTRAINT auth_tokens_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    CONSTRAINT auth_tokens_hash_length CHECK (octet_length(token_hash) = 32)
);
CREATE INDEX auth_tokens_user_idx ON auth_tokens (user_id);

CREATE TABLE user_follows (
    follower_id  uuid NOT NULL CONSTRAINT user_follows_follower_fkey REFERENCES users (id) ON DELETE CASCADE,
    followee_id  uuid NOT NULL CONSTRAINT user_follows_followee_fkey REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_follows_pkey PRIMARY KEY (follower_id, followee_id),
    CONSTRAINT user_follows_not_self CHECK (follower_id <> followee_id)
);
CREATE INDEX user_follows_followee_idx ON user_follows (followee_id, created_at DESC);

CREATE TABLE holders (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name            text NOT NULL,
    kind            text NOT NULL,
    -- The person whose likeness a PERSON holder holds; one PERSON holder per user.
    person_user_id  uuid CONSTRAINT holders_person_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT holders_kind_valid CHECK (kind IN ('ORGANIZATION', 'PERSON')),
    CONSTRAINT holders_person_matches_kind CHECK ((kind = 'PERSON') = (person_user_id IS NOT NULL)),
    CONSTRAINT holders_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
    CONSTRAINT holders_person_user_key UNIQUE (person_user_id)
);

CREATE TABLE holder_members (
    holder_id   uuid NOT NULL CONSTRAINT holder_members_holder_fkey REFERENCES holders (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL CONSTRAINT holder_members_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    added_by    uuid CONSTRAINT holder_members_added_by_fkey REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT holder_members_pkey PRIMARY KEY (holder_id, user_id)
);
CREATE INDEX holder_members_user_idx ON holder_members (user_id);

CREATE TABLE characters (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    holder_id       uuid NOT NULL CONSTRAINT characters_holder_fkey REFERENCES holders (id) ON DELETE CASCADE,
    name            text NOT NULL,
    description     text,
    kind            text NOT NULL,
    follower_count  integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT characters_kind_valid CHECK (kind IN ('FICTIONAL', 'CAMEO')),
    CONSTRAINT characters_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
    CONSTRAINT characters_description_length CHECK (char_length(description) <= 2000),
    CONSTRAINT characters_follower_count_not_negative CHECK (follower_count >= 0)
);
CREATE INDEX characters_holder_idx ON characters (holder_id, name);
CREATE UNIQUE INDEX characters_holder_name_key ON characters (holder_id, lower(name));
CREATE INDEX characters_name_trgm_idx ON characters USING gin (lower(name) gin_trgm_ops);
CREATE INDEX characters_ranking_idx ON characters (follower_count DESC, name, id);

CREATE TABLE character_aliases (
    character_id  uuid NOT NULL CONSTRAINT character_aliases_character_fkey REFERENCES characters (id) ON DELETE CASCADE,
    alias         text NOT NULL,
    position      integer NOT NULL,
    CONSTRAINT character_aliases_length CHECK (char_length(alias) BETWEEN 1 AND 100)
);
CREATE UNIQUE INDEX character_aliases_pkey ON character_aliases (character_id, lower(alias));
CREATE INDEX character_aliases_trgm_idx ON character_aliases USING gin (lower(alias) gin_trgm_ops);
CREATE INDEX character_aliases_prefix_idx ON character_aliases (lower(alias) text_pattern_ops);

CREATE TABLE character_policies (
    character_id             uuid NOT NULL CONSTRAINT character_policies_character_fkey REFERENCES characters (id) ON DELETE CASCADE,
    version                  integer NOT NULL,
    audience                 text NOT NULL,
    requires_review          boolean NOT NULL,
    allow_derivatives        boolean NOT NULL,
    allow_crossovers         boolean NOT NULL,
    blocked_co_character_ids uuid[] NOT NULL DEFAULT '{}',
    max_rating               text NOT NULL,
    banned_terms             text[] NOT NULL DEFAULT '{}',
    max_duration_seconds     integer NOT NULL,
    attribution              text,
    revenue_share_bps        integer NOT NULL,
    generation_fee_micros    bigint NOT NULL,
    on_restrict              text NOT NULL,
    published_by             uuid CONSTRAINT character_policies_published_by_fkey REFERENCES users (id) ON DELETE SET NULL,
    published_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT character_policies_pkey PRIMARY KEY (character_id, version),
    CONSTRAINT character_policies_version_positive CHECK (version >= 1),
    CONSTRAINT character_policies_audience_valid
        CHECK (audience IN ('OPTED_OUT', 'APPROVED_CREATORS', 'MUTUALS', 'EVERYONE')),
    CONSTRAINT character_policies_max_rating_valid CHECK (max_rating IN ('G', 'PG', 'PG13', 'R')),
    CONSTRAINT character_policies_duration_range CHECK (max_duration_seconds BETWEEN 1 AND 60),
    CONSTRAINT character_policies_share_range CHECK (revenue_share_bps BETWEEN 0 AND 10000),
    CONSTRAINT character_policies_fee_range CHECK (generation_fee_micros BETWEEN 0 AND 100000000),
    CONSTRAINT character_policies_banned_terms_count CHECK (cardinality(banned_terms) <= 200),
    CONSTRAINT character_policies_on_restrict_valid CHECK (on_restrict IN ('TAKE_DOWN', 'KEEP'))
);

CREATE TABLE creator_approvals (
    character_id  uuid NOT NULL CONSTRAINT creator_approvals_character_fkey REFERENCES characters (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL CONSTRAINT creator_approvals_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    approved_by   uuid CONSTRAINT creator_approvals_approved_by_fkey REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT creator_approvals_pkey PRIMARY KEY (character_id, user_id)
);
CREATE INDEX creator_approvals_user_idx ON creator_approvals (user_id);

CREATE TABLE videos (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    creator_id        uuid NOT NULL CONSTRAINT videos_creator_fkey REFERENCES users (id) ON DELETE CASCADE,
    prompt            text NOT NULL,
    caption           text,
    status            text NOT NULL DEFAULT 'QUEUED',
    status_reason     text,
    aspect            text NOT NULL,
    duration_seconds  integer NOT NULL,
    rating            text NOT NULL,
    remix_of_id       uuid CONSTRAINT videos_remix_of_fkey REFERENCES videos (id) ON DELETE SET NULL,
    idempotency_key   text,
    cost_micros       bigint NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    published_at      timestamptz,
    CONSTRAINT videos_status_valid CHECK (status IN ('QUEUED', 'GENERATING', 'DRAFT', 'PENDING_REVIEW',
        'PUBLISHED', 'REJECTED', 'FAILED', 'TAKEN_DOWN', 'DELETED')),
    CONSTRAINT videos_aspect_valid CHECK (aspect IN ('PORTRAIT', 'LANDSCAPE', 'SQUARE')),
    CONSTRAINT videos_rating_valid CHECK (rating IN ('G', 'PG', 'PG13', 'R')),
    CONSTRAINT videos_duration_range CHECK (duration_seconds BETWEEN 1 AND 60),
    CONSTRAINT videos_prompt_length CHECK (char_length(prompt) BETWEEN 1 AND 2000),
    CONSTRAINT videos_cost_not_negative CHECK (cost_micros >= 0)
);
CREATE INDEX videos_creator_idx ON videos (creator_id, created_at DESC, id DESC);
CREATE INDEX videos_remix_of_idx ON videos (remix_of_id, created_at DESC, id DESC) WHERE remix_of_id IS NOT NULL;
CREATE INDEX videos_status_idx ON videos (status, updated_at);
CREATE UNIQUE INDEX videos_idempotency_key ON videos (creator_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE TABLE video_licenses (
    video_id               uuid NOT NULL CONSTRAINT video_licenses_video_fkey REFERENCES videos (id) ON DELETE CASCADE,
    character_id           uuid NOT NULL,
    policy_version         integer NOT NULL,
    revenue_share_bps      integer NOT NULL,
    generation_fee_micros  bigint NOT NULL,
    attribution            text,
    review                 text NOT NULL DEFAULT 'NOT_REQUIRED',
    review_note            text,
    reviewed_by            uuid CONSTRAINT video_licenses_reviewed_by_fkey REFERENCES users (id) ON DELETE SET NULL,
    reviewed_at            timestamptz,
    CONSTRAINT video_licenses_pkey PRIMARY KEY (video_id, character_id),
    CONSTRAINT video_licenses_policy_fkey FOREIGN KEY (character_id, policy_version)
        REFERENCES character_policies (character_id, version),
    CONSTRAINT video_licenses_review_valid CHECK (review IN ('NOT_REQUIRED', 'PENDING', 'APPROVED', 'REJECTED')),
    CONSTRAINT video_licenses_share_range CHECK (revenue_share_bps BETWEEN 0 AND 10000),
    CONSTRAINT video_licenses_fee_not_negative CHECK (generation_fee_micros >= 0)
);
CREATE INDEX video_licenses_character_idx ON video_licenses (character_id, video_id);
