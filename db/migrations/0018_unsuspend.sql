-- Lifting a suspension (RULES §10). An operator's UNSUSPEND_USER decision is about a user, not a
-- report (the reports that led to the suspension were closed by it), so moderation_actions, which
-- records every decision with who made it and when, now also names the user a decision was about:
-- set for SUSPEND_USER and UNSUSPEND_USER, and the only subject of an UNSUSPEND_USER row.
ALTER TABLE moderation_actions
    ALTER COLUMN report_id DROP NOT NULL,
    ADD COLUMN user_id uuid CONSTRAINT moderation_actions_user_fkey REFERENCES users (id) ON DELETE CASCADE,
    DROP CONSTRAINT moderation_actions_action_valid,
    ADD CONSTRAINT moderation_actions_action_valid CHECK (action IN ('DISMISS', 'TAKE_DOWN_VIDEO', 'DELETE_COMMENT',
        'SUSPEND_USER', 'UNSUSPEND_USER'));

-- The user behind each earlier suspension: the reported user, the video's creator, the comment's author.
UPDATE moderation_actions a SET user_id = u.id
FROM reports r, users u
WHERE a.action = 'SUSPEND_USER' AND r.id = a.report_id AND u.id = CASE r.subject_kind
    WHEN 'User' THEN r.subject_id
    WHEN 'Video' THEN (SELECT v.creator_id FROM videos v WHERE v.id = r.subject_id)
    WHEN 'Comment' THEN (r.comment ->> 'author_id')::uuid
END;

-- Every decision but UNSUSPEND_USER closes reports; UNSUSPEND_USER names its user.
ALTER TABLE moderation_actions ADD CONSTRAINT moderation_actions_subject CHECK (
    CASE WHEN action = 'UNSUSPEND_USER' THEN report_id IS NULL AND user_id IS NOT NULL ELSE report_id IS NOT NULL END);
-- A user's suspensions and their lifting, in order (User.moderationRecords).
CREATE INDEX moderation_actions_user_idx ON moderation_actions (user_id, id) WHERE user_id IS NOT NULL;
