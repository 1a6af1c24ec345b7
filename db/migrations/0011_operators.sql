-- The operator role (RULES §10-11): users who work the moderation and verification queues.
-- Granted and revoked only from the command line (`fanreel operator grant|revoke HANDLE`);
-- every grant and revocation is kept, so who could act when stays answerable.

CREATE TABLE operator_grants (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     uuid NOT NULL CONSTRAINT operator_grants_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    granted_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    CONSTRAINT operator_grants_revoked_after_granted CHECK (revoked_at IS NULL OR revoked_at >= granted_at)
);
-- At most one grant in force per user.
CREATE UNIQUE INDEX operator_grants_active_key ON operator_grants (user_id) WHERE revoked_at IS NULL;
