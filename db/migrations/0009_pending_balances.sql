-- Balances without a hot row (RULES §7 "ledger"). If every post updated balance_micros in place,
-- the accounts that nearly every transaction touches (escrow and the platform on each generation, a
-- popular holder, the two sources) would serialise all of them on one row lock held until commit.
-- Only wallets, which must refuse an overdraft as it happens, are updated in place
-- (domain.ledger.RUNNING_BALANCE_KINDS). A post appends the change of every other account here, and
-- the fold (db.queries.ledger.fold_pending_balances, a worker cron) moves pending changes into
-- balance_micros, deleting what it folds in the same transaction: an account's balance is always
-- balance_micros plus its pending rows, and each change counts exactly once.
CREATE TABLE ledger_pending_balances (
    account_id     uuid NOT NULL CONSTRAINT ledger_pending_balances_account_fkey REFERENCES ledger_accounts (id),
    amount_micros  bigint NOT NULL
);
CREATE INDEX ledger_pending_balances_account_idx ON ledger_pending_balances (account_id);
