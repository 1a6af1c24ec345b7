-- Money out and fair disputes (RULES §8-9): claims on missed characters and appeals, revenue held
-- while a claim is open, refunds and chargebacks with the debt they leave, payouts.

-- New ledger accounts (system ones, one each): CLAIM_HELD keeps view revenue credited while a claim
-- is open; RECEIVABLE is what users owe after a refund their wallet could not cover (it runs
-- negative, like the sources: its balance is minus the sum of `debts`); PAYOUT_CLEARING holds
-- requested payouts until the provider says paid or failed; PAID_OUT is where paid money goes.
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_valid;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_valid
    CHECK (kind IN ('WALLET', 'HOLDER', 'PLATFORM', 'ESCROW', 'FUNDING', 'ADVERTISING', 'CLAIM_HELD', 'RECEIVABLE',
                    'PAYOUT_CLEARING', 'PAID_OUT'));
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_balance_not_negative;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_balance_not_negative
    CHECK (balance_micros >= 0 OR kind IN ('FUNDING', 'ADVERTISING', 'RECEIVABLE'));
INSERT INTO ledger_accounts (kind) VALUES ('CLAIM_HELD'), ('RECEIVABLE'), ('PAYOUT_CLEARING'), ('PAID_OUT');

ALTER TABLE ledger_transactions DROP CONSTRAINT ledger_transactions_kind_valid;
ALTER TABLE ledger_transactions ADD CONSTRAINT ledger_transactions_kind_valid CHECK (kind IN ('FUNDING',
    'GENERATION_CHARGE', 'GENERATION_REFUND', 'LICENSE_FEE', 'VIEW_REVENUE', 'CLAIM_RELEASE', 'PAYMENT_REVERSAL',
    'DEBT_REPAYMENT', 'PAYOUT', 'PAYOUT_PAID', 'PAYOUT_FAILED'));

-- A crediting of a video under an open claim goes whole to CLAIM_HELD: one HELD share.
ALTER TABLE revenue_credits DROP CONSTRAINT revenue_credits_party_valid;
ALTER TABLE revenue_credits ADD CONSTRAINT revenue_credits_party_valid
    CHECK (party IN ('PLATFORM', 'HOLDER', 'ANCESTOR', 'CREATOR', 'HELD'));

-- A license that joined by an upheld ADD_LICENSE claim counts from the claim's first held view on
-- (NULL: from the video's first view). `ledger verify` splits a video's revenue at these points.
ALTER TABLE video_licenses ADD COLUMN joined_at_views bigint;

-- New activity kinds. The list is dropped rather than restated so that other migrations adding
-- kinds at the same time cannot undo each other; domain.activity.ActivityKind is the list.
ALTER TABLE activities DROP CONSTRAINT activities_kind_valid;
ALTER TABLE activities ADD CONSTRAINT activities_kind_shape CHECK (kind ~ '^[A-Z_]{1,40}$');

CREATE TABLE claims (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind              text NOT NULL,
    video_id          uuid NOT NULL CONSTRAINT claims_video_fkey REFERENCES videos (id),
    -- MISSED_CHARACTER: the character claimed and its holder (the claimant).
    character_id      uuid CONSTRAINT claims_character_fkey REFERENCES characters (id),
    holder_id         uuid CONSTRAINT claims_holder_fkey REFERENCES holders (id),
    filed_by          uuid NOT NULL CONSTRAINT claims_filed_by_fkey REFERENCES users (id),
    action            text,
    status            text NOT NULL DEFAULT 'OPEN',
    reason            text NOT NULL,
    response          text,
    deadline          timestamptz,
    -- APPEAL: the status appealed (TAKEN_DOWN or REJECTED).
    appealed_status   text,
    -- MISSED_CHARACTER: views credited to the video when filed (views after are held), when resolved,
    -- and the revenue held meanwhile; the release transaction pays it out.
    views_from        bigint,
    views_to          bigint,
    held_micros       bigint NOT NULL DEFAULT 0,
    release_transaction_id uuid CONSTRAINT claims_release_fkey REFERENCES ledger_transactions (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    resolved_at       timestamptz,
    CONSTRAINT claims_kind_valid CHECK (kind IN ('MISSED_CHARACTER', 'APPEAL')),
    CONSTRAINT claims_status_valid CHECK (status IN ('OPEN', 'DISPUTED', 'UPHELD', 'RELEASED', 'EXPIRED')),
    CONSTRAINT claims_action_valid CHECK (action IN ('ADD_LICENSE', 'TAKE_DOWN')),
    CONSTRAINT claims_shape CHECK (
        (kind = 'MISSED_CHARACTER') = (character_id IS NOT NULL AND holder_id IS NOT NULL AND action IS NOT NULL
                                       AND views_from IS NOT NULL)
        AND (kind = 'APPEAL') = (appealed_status IS NOT NULL)),
    CONSTRAINT claims_reason_length CHECK (char_length(reason) BETWEEN 1 AND 2000),
    CONSTRAINT claims_response_length CHECK (char_length(response) <= 2000),
    CONSTRAINT claims_held_not_negative CHECK (held_micros >= 0),
    CONSTRAINT claims_resolved CHECK ((status IN ('OPEN', 'DISPUTED')) = (resolved_at IS NULL))
);
-- One open claim per video at a time (stricter than one per character: held revenue has one owner).
CREATE UNIQUE INDEX claims_one_open_per_video ON claims (video_id)
    WHERE kind = 'MISSED_CHARACTER' AND status IN ('OPEN', 'DISPUTED');
-- One appeal per video, ever.
CREATE UNIQUE INDEX claims_one_appeal_per_video ON claims (video_id) WHERE kind = 'APPEAL';
CREATE INDEX claims_holder_idx ON claims (holder_id, created_at DESC, id DESC) WHERE holder_id IS NOT NULL;
CREATE INDEX claims_video_idx ON claims (video_id, created_at DESC, id DESC);
CREATE INDEX claims_due_idx ON claims (deadline) WHERE status IN ('OPEN', 'DISPUTED');

-- What a user owes after a refund or chargeback their wallet could not cover (RULES §9).
CREATE TABLE debts (
    user_id        uuid PRIMARY KEY CONSTRAINT debts_user_fkey REFERENCES users (id),
    amount_micros  bigint NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT debts_amount_not_negative CHECK (amount_micros >= 0)
);

-- Reversals of a payment: the amount each took, to refuse reversing more than was paid.
CREATE TABLE payment_reversals (
    event_id        text PRIMARY KEY,
    payment_id      text NOT NULL,
    user_id         uuid NOT NULL CONSTRAINT payment_reversals_user_fkey REFERENCES users (id),
    kind            text NOT NULL,
    amount_micros   bigint NOT NULL,
    debt_micros     bigint NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payment_reversals_kind_valid CHECK (kind IN ('REFUNDED', 'DISPUTED')),
    CONSTRAINT payment_reversals_amount_positive CHECK (amount_micros > 0 AND debt_micros BETWEEN 0 AND amount_micros)
);
CREATE INDEX payment_reversals_payment_idx ON payment_reversals (payment_id);

-- Payouts (RULES §9): where each account's money goes, and each request.
CREATE TABLE payout_destinations (
    account_id   uuid PRIMARY KEY CONSTRAINT payout_destinations_account_fkey REFERENCES ledger_accounts (id),
    destination  text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payout_destinations_length CHECK (char_length(destination) BETWEEN 1 AND 200)
);

CREATE TABLE payouts (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id          uuid NOT NULL CONSTRAINT payouts_account_fkey REFERENCES ledger_accounts (id),
    requested_by        uuid NOT NULL CONSTRAINT payouts_requested_by_fkey REFERENCES users (id),
    amount_micros       bigint NOT NULL,
    destination         text NOT NULL,
    status              text NOT NULL DEFAULT 'PENDING',
    idempotency_key     text,
    provider_reference  text,
    failure_reason      text,
    attempts            integer NOT NULL DEFAULT 0,
    request_transaction_id  uuid NOT NULL CONSTRAINT payouts_request_fkey REFERENCES ledger_transactions (id),
    settle_transaction_id   uuid CONSTRAINT payouts_settle_fkey REFERENCES ledger_transactions (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    settled_at          timestamptz,
    CONSTRAINT payouts_status_valid CHECK (status IN ('PENDING', 'PAID', 'FAILED')),
    CONSTRAINT payouts_amount_positive CHECK (amount_micros > 0),
    CONSTRAINT payouts_settled CHECK ((status = 'PENDING') = (settle_transaction_id IS NULL))
);
CREATE UNIQUE INDEX payouts_idempotency_key ON payouts (account_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX payouts_account_idx ON payouts (account_id, created_at DESC, id DESC);
CREATE INDEX payouts_pending_idx ON payouts (updated_at) WHERE status = 'PENDING';
