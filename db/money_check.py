"""`fanreel ledger verify`'s checks of money out and disputes (RULES §8-9): revenue held by claims,
and what users owe after reversed payments."""

from __future__ import annotations

import asyncpg

SYSTEM = "(SELECT id FROM ledger_accounts WHERE kind = '{kind}' AND user_id IS NULL AND holder_id IS NULL)"
BALANCE_OF = """(SELECT a.balance_micros + coalesce((SELECT sum(p.amount_micros) FROM ledger_pending_balances p
                 WHERE p.account_id = a.id), 0) FROM ledger_accounts a WHERE a.id = {account})"""

HELD_TOTAL = f"""
SELECT coalesce({BALANCE_OF.format(account=SYSTEM.format(kind="CLAIM_HELD"))}, 0)::bigint AS balance,
       coalesce((SELECT sum(held_micros) FROM claims WHERE status IN ('OPEN', 'DISPUTED')), 0)::bigint AS open_held
"""
# What each claim says it held against the HELD shares of the credits made while it was open.
HELD_PER_CLAIM = """
SELECT cl.id, cl.held_micros, coalesce(sum(r.amount_micros), 0)::bigint AS credited
FROM claims cl
LEFT JOIN view_credits c ON c.video_id = cl.video_id AND c.views_before >= cl.views_from
     AND (cl.views_to IS NULL OR c.views_after <= cl.views_to)
LEFT JOIN revenue_credits r ON r.credit_id = c.id AND r.party = 'HELD'
WHERE cl.kind = 'MISSED_CHARACTER'
GROUP BY cl.id, cl.held_micros
HAVING cl.held_micros <> coalesce(sum(r.amount_micros), 0)
ORDER BY cl.id
"""
# Each release moved exactly its recorded shares out of CLAIM_HELD, and nothing else is a release.
RELEASES = f"""
WITH expected AS (
    SELECT cl.release_transaction_id AS tx, r.account_id, r.amount_micros AS amount
    FROM claims cl JOIN revenue_credits r ON r.credit_id = cl.id WHERE cl.release_transaction_id IS NOT NULL
  UNION ALL
    SELECT cl.release_transaction_id, {SYSTEM.format(kind="CLAIM_HELD")}, -cl.held_micros
    FROM claims cl WHERE cl.release_transaction_id IS NOT NULL
), expected_net AS (
    SELECT tx, account_id, sum(amount) AS amount FROM expected GROUP BY 1, 2
), actual AS (
    SELECT e.transaction_id AS tx, e.account_id, sum(e.amount_micros) AS amount
    FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
    WHERE t.kind = 'CLAIM_RELEASE' GROUP BY 1, 2
)
SELECT tx, account_id, coalesce(x.amount, 0)::bigint AS expected, coalesce(a.amount, 0)::bigint AS actual
FROM expected_net x FULL JOIN actual a USING (tx, account_id)
WHERE coalesce(x.amount, 0) <> coalesce(a.amount, 0)
ORDER BY tx, account_id
"""
UNRELEASED = """
SELECT id, status, held_micros FROM claims
WHERE status NOT IN ('OPEN', 'DISPUTED') AND held_micros > 0 AND release_transaction_id IS NULL ORDER BY id
"""


async def check_claims(conn: asyncpg.Connection) -> list[str]:
    """CLAIM_HELD holds exactly the open claims' held revenue; each claim's held amount is what was
    credited to it; each release paid out exactly its shares."""
    problems = []
    totals = await conn.fetchrow(HELD_TOTAL)
    if totals["balance"] != totals["open_held"]:
        problems.append(f"CLAIM_HELD holds {totals['balance']} but open claims hold {totals['open_held']}")
    problems += [
        f"claim {row['id']} says it held {row['held_micros']} but {row['credited']} was credited to it"
        for row in await conn.fetch(HELD_PER_CLAIM)
    ]
    problems += [
        f"claim release {row['tx']} gave account {row['account_id']} {row['actual']}, its shares say {row['expected']}"
        for row in await conn.fetch(RELEASES)
    ]
    problems += [
        f"claim {row['id']} is {row['status']} but its {row['held_micros']} held were never released"
        for row in await conn.fetch(UNRELEASED)
    ]
    return problems


DEBT_TOTAL = f"""
SELECT coalesce({BALANCE_OF.format(account=SYSTEM.format(kind="RECEIVABLE"))}, 0)::bigint AS receivable,
       coalesce((SELECT sum(amount_micros) FROM debts), 0)::bigint AS owed
"""
# Per user: the debt is what reversals left unpaid minus what top-ups repaid (DEBT_REPAYMENT entries).
DEBT_PER_USER = """
WITH left_unpaid AS (
    SELECT user_id, sum(debt_micros) AS amount FROM payment_reversals GROUP BY user_id
), repaid AS (
    SELECT a.user_id, -sum(e.amount_micros) AS amount
    FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
    JOIN ledger_accounts a ON a.id = e.account_id AND a.kind = 'WALLET'
    WHERE t.kind = 'DEBT_REPAYMENT' GROUP BY a.user_id
)
SELECT user_id, coalesce(d.amount_micros, 0)::bigint AS debt,
       (coalesce(u.amount, 0) - coalesce(r.amount, 0))::bigint AS expected
FROM debts d FULL JOIN left_unpaid u USING (user_id) FULL JOIN repaid r USING (user_id)
WHERE coalesce(d.amount_micros, 0) <> coalesce(u.amount, 0) - coalesce(r.amount, 0)
ORDER BY user_id
"""
# Each reversal moved its amount back to the FUNDING source, and no more than its payment credited.
OVER_REVERSED = """
WITH reversed AS (
    SELECT payment_id, sum(amount_micros) AS reversed FROM payment_reversals GROUP BY payment_id
), credited AS (
    SELECT r.payment_id, coalesce(sum(e.amount_micros), 0) AS paid
    FROM reversed r
    LEFT JOIN ledger_transactions t ON t.external_id = 'payment:' || r.payment_id
    LEFT JOIN ledger_entries e ON e.transaction_id = t.id
        AND e.account_id IN (SELECT id FROM ledger_accounts WHERE kind = 'WALLET')
    GROUP BY r.payment_id
)
SELECT payment_id, reversed, paid FROM reversed JOIN credited USING (payment_id) WHERE reversed > paid
"""


async def check_debts(conn: asyncpg.Connection) -> list[str]:
    """The receivable mirrors the users' debts; each debt is what reversals left minus what top-ups repaid;
    no payment was reversed beyond what it credited."""
    problems = []
    totals = await conn.fetchrow(DEBT_TOTAL)
    if -totals["receivable"] != totals["owed"]:
        problems.append(f"RECEIVABLE is {totals['receivable']} but users owe {totals['owed']}")
    problems += [
        f"user {row['user_id']} owes {row['debt']} but reversals and repayments say {row['expected']}"
        for row in await conn.fetch(DEBT_PER_USER)
    ]
    problems += [
        f"payment {row['payment_id']} was reversed {row['reversed']} but credited {row['paid']}"
        for row in await conn.fetch(OVER_REVERSED)
    ]
    return problems


PAYOUT_TOTALS = f"""
SELECT coalesce({BALANCE_OF.format(account=SYSTEM.format(kind="PAYOUT_CLEARING"))}, 0)::bigint AS clearing,
       coalesce({BALANCE_OF.format(account=SYSTEM.format(kind="PAID_OUT"))}, 0)::bigint AS paid_out,
       coalesce((SELECT sum(amount_micros) FROM payouts WHERE status = 'PENDING'), 0)::bigint AS pending,
       coalesce((SELECT sum(amount_micros) FROM payouts WHERE status = 'PAID'), 0)::bigint AS paid
"""
# Each payout's request moved its amount from its account to clearing, and its settlement (one at
# most) from clearing to PAID_OUT or back; no payout transaction belongs to no payout.
PAYOUT_MOVES = """
WITH expected AS (
    SELECT request_transaction_id AS tx, account_id, -amount_micros AS amount FROM payouts
  UNION ALL
    SELECT request_transaction_id, (SELECT id FROM ledger_accounts WHERE kind = 'PAYOUT_CLEARING'
                                    AND user_id IS NULL AND holder_id IS NULL), amount_micros FROM payouts
  UNION ALL
    SELECT settle_transaction_id, (SELECT id FROM ledger_accounts WHERE kind = 'PAYOUT_CLEARING'
                                   AND user_id IS NULL AND holder_id IS NULL), -amount_micros
    FROM payouts WHERE settle_transaction_id IS NOT NULL
  UNION ALL
    SELECT settle_transaction_id,
           CASE WHEN status = 'PAID' THEN (SELECT id FROM ledger_accounts WHERE kind = 'PAID_OUT'
                                           AND user_id IS NULL AND holder_id IS NULL) ELSE account_id END,
           amount_micros
    FROM payouts WHERE settle_transaction_id IS NOT NULL
), actual AS (
    SELECT e.transaction_id AS tx, e.account_id, sum(e.amount_micros) AS amount
    FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
    WHERE t.kind IN ('PAYOUT', 'PAYOUT_PAID', 'PAYOUT_FAILED') GROUP BY 1, 2
)
SELECT tx, account_id, coalesce(x.amount, 0)::bigint AS expected, coalesce(a.amount, 0)::bigint AS actual
FROM (SELECT tx, account_id, sum(amount) AS amount FROM expected GROUP BY 1, 2) x
FULL JOIN actual a USING (tx, account_id)
WHERE coalesce(x.amount, 0) <> coalesce(a.amount, 0)
ORDER BY tx, account_id
"""


async def check_payouts(conn: asyncpg.Connection) -> list[str]:
    """Clearing holds exactly the pending payouts, PAID_OUT the paid ones, and every payout moved its
    amount once on request and at most once on settlement."""
    problems = []
    totals = await conn.fetchrow(PAYOUT_TOTALS)
    if totals["clearing"] != totals["pending"]:
        problems.append(f"PAYOUT_CLEARING holds {totals['clearing']} but pending payouts are {totals['pending']}")
    if totals["paid_out"] != totals["paid"]:
        problems.append(f"PAID_OUT holds {totals['paid_out']} but paid payouts are {totals['paid']}")
    problems += [
        f"payout transaction {row['tx']} gave {row['account_id']} {row['actual']}, payouts say {row['expected']}"
        for row in await conn.fetch(PAYOUT_MOVES)
    ]
    return problems
