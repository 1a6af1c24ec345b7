-- Ledger: double-entry bookkeeping in integer micro-USD (RULES §7).
-- Every transaction's entries sum to zero; entries and transactions are append-only
-- (corrections are new transactions); an account's balance_micros is updated in the same
-- database transaction as its entries, so the row lock serialises concurrent debits and the
-- balance check makes an overdraft impossible even under concurrency.

CREATE TABLE ledger_accounts (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind            text NOT NULL,
    -- Financial records outlive their owners: no ON DELETE action, a user or holder with
    -- an account cannot be deleted.
    user_id         uuid CONSTRAINT ledger_accounts_user_fkey REFERENCES users (id),
    holder_id       uuid CONSTRAINT ledger_accounts_holder_fkey REFERENCES holders (id),
    balance_micros  bigint NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ledger_accounts_kind_valid
        CHECK (kind IN ('WALLET', 'HOLDER', 'PLATFORM', 'ESCROW', 'FUNDING', 'ADVERTISING')),
    CONSTRAINT ledger_accounts_owner_matches_kind
        CHECK ((kind = 'WALLET') = (user_id IS NOT NULL) AND (kind = 'HOLDER') = (holder_id IS NOT NULL)),
    -- Only the two external sources (payments in, advertising revenue in) run negative.
    CONSTRAINT ledger_accounts_balance_not_negative
        CHECK (balance_micros >= 0 OR kind IN ('FUNDING', 'ADVERTISING')),
    CONSTRAINT ledger_accounts_user_key UNIQUE (user_id),
    CONSTRAINT ledger_accounts_holder_key UNIQUE (holder_id)
);
-- One account of each system kind (PLATFORM, ESCROW, FUNDING, ADVERTISING): the ones without an owner.
CREATE UNIQUE INDEX ledger_accounts_system_key ON ledger_accounts (kind)
    WHERE user_id IS NULL AND holder_id IS NULL;

INSERT INTO ledger_accounts (kind) VALUES ('PLATFORM'), ('ESCROW'), ('FUNDING'), ('ADVERTISING');

CREATE TABLE ledger_transactions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind         text NOT NULL,
    -- Videos are never deleted (status DELETED), and a referenced one cannot be.
    video_id     uuid CONSTRAINT ledger_transactions_video_fkey REFERENCES videos (id),
    memo         text,
    -- An idempotency key from outside (e.g. "payment:<event id>"): a replay records nothing.
    external_id  text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ledger_transactions_kind_valid CHECK (kind IN ('FUNDING', 'GENERATION_CHARGE',
        'GENERATION_REFUND', 'LICENSE_FEE', 'VIEW_REVENUE')),
    CONSTRAINT ledger_transactions_memo_length CHECK (char_length(memo) <= 500),
    CONSTRAINT ledger_transactions_external_id_length CHECK (char_length(external_id) BETWEEN 1 AND 300),
    CONSTRAINT ledger_transactions_external_id_key UNIQUE (external_id)
);
CREATE INDEX ledger_transactions_video_idx ON ledger_transactions (video_id, kind) WHERE video_id IS NOT NULL;

CREATE TABLE ledger_entries (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    transaction_id  uuid NOT NULL CONSTRAINT ledger_entries_transaction_fkey REFERENCES ledger_transactions (id),
    account_id      uuid NOT NULL CONSTRAINT ledger_entries_account_fkey REFERENCES ledger_accounts (id),
    amount_micros   bigint NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ledger_entries_amount_not_zero CHECK (amount_micros <> 0)
);
-- An account's entries, newest first (keyset pages of a wallet's history).
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account_id, created_at DESC, id DESC);
CREATE INDEX ledger_entries_transaction_idx ON ledger_entries (transaction_id);

-- Append-only: corrections are new transactions, never edits. (TRUNCATE is left alone: the
-- test suite empties every table between tests.)
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING HINT = 'Correct the ledger with a new transaction.';
END
$$;

CREATE TRIGGER ledger_entries_append_only
    BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_transactions_append_only
    BEFORE UPDATE OR DELETE ON ledger_transactions
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
-- Only balance_micros of an account ever changes: a wallet is never handed to someone else.
CREATE TRIGGER ledger_accounts_identity_fixed
    BEFORE UPDATE OF id, kind, user_id, holder_id, created_at ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- Zero sum, checked at commit (defence in depth: db.queries.ledger.post checks first).
-- Per entry row, so it also catches an entry added later to an old transaction.
CREATE FUNCTION ledger_transaction_sums_to_zero() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    total numeric;
BEGIN
    SELECT coalesce(sum(amount_micros), 0) INTO total FROM ledger_entries WHERE transaction_id = NEW.transaction_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % sums to %, not 0', NEW.transaction_id, total
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entries_zero_sum';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER ledger_entries_zero_sum
    AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_transaction_sums_to_zero();

-- A transaction without entries (which the zero-sum trigger cannot see) is refused at commit too.
CREATE FUNCTION ledger_transaction_has_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM ledger_entries WHERE transaction_id = NEW.id) < 2 THEN
        RAISE EXCEPTION 'ledger transaction % has fewer than 2 entries', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_transactions_has_entries';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER ledger_transactions_has_entries
    AFTER INSERT ON ledger_transactions
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_transaction_has_entries();
