"""The ledger on real PostgreSQL: balanced posts, no overdraft under concurrency, append-only, verify."""

from __future__ import annotations

import asyncio
import itertools
from uuid import UUID, uuid4

import asyncpg
import pytest

from db import ledger_cli
from db.queries import ledger, users
from db.queries.ledger import AccountKind, LedgerKind, NewTransaction, Posting
from domain.errors import DomainError, ErrorCode
from settings import Settings

# conftest's clean_state fetches `redis` with getfixturevalue, which cannot set up an async
# session fixture from inside the running loop: asking for it here sets it up first.
pytestmark = pytest.mark.usefixtures("clean_state")
_handles = itertools.count(1)


async def new_user(conn: asyncpg.Connection) -> tuple[UUID, str]:
    n = next(_handles)
    user = await users.insert_user(
        conn, handle=f"ledger{n}", display_name=f"Ledger {n}", email=f"ledger{n}@example.com", password_hash="x"
    )
    return user.id, user.handle


async def funded_wallet(conn: asyncpg.Connection, micros: int) -> UUID:
    user_id, _ = await new_user(conn)
    await ledger.fund_wallet(conn, user_id=user_id, amount_micros=micros, memo="test")
    return await ledger.wallet_account(conn, user_id=user_id)


async def counts(conn: asyncpg.Connection) -> tuple[int, int]:
    row = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM ledger_transactions) AS t, (SELECT count(*) FROM ledger_entries) AS e"
    )
    return row["t"], row["e"]


async def test_a_balanced_post_writes_entries_and_moves_balances(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        wallet = await funded_wallet(conn, 1_000)
        escrow = await ledger.system_account(conn, AccountKind.ESCROW)
        funding = await ledger.system_account(conn, AccountKind.FUNDING)
        creator, _ = await new_user(conn)
        video_id = await conn.fetchval(
            "INSERT INTO videos (creator_id, prompt, aspect, duration_seconds, rating) "
            "VALUES ($1, 'a cat', 'SQUARE', 5, 'G') RETURNING id",
            creator,
        )
        charge = [Posting(wallet, -300), Posting(escrow, 300)]
        tx = await ledger.post(conn, kind=LedgerKind.GENERATION_CHARGE, postings=charge, video_id=video_id, memo="m")

        assert tx is not None
        assert await ledger.balance(conn, account_id=wallet) == 700
        assert await ledger.balance(conn, account_id=escrow) == 300
        assert await ledger.balance(conn, account_id=funding) == -1_000
        entries = await ledger.account_entries(conn, account_id=wallet, after=None, limit=10)
        assert [(e.kind, e.amount_micros) for e in entries] == [
            (LedgerKind.GENERATION_CHARGE, -300),
            (LedgerKind.FUNDING, 1_000),
        ]
        assert (entries[0].transaction_id, entries[0].video_id, entries[0].memo) == (tx, video_id, "m")
        assert entries[0].account_kind is AccountKind.WALLET and entries[0].user_id is not None
        assert await ledger_cli.verify(conn) == []


async def test_nothing_to_post_writes_nothing(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        wallet = await funded_wallet(conn, 10)
        empty = [Posting(wallet, 0)]
        assert await ledger.post(conn, kind=LedgerKind.LICENSE_FEE, postings=empty) is None
        assert await counts(conn) == (1, 2)


async def test_an_unbalanced_post_is_refused_and_writes_nothing(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        wallet = await funded_wallet(conn, 1_000)
        platform = await ledger.system_account(conn, AccountKind.PLATFORM)
        with pytest.raises(ValueError):
            await ledger.post(conn, kind=LedgerKind.LICENSE_FEE, postings=[Posting(wallet, -5), Posting(platform, 4)])
        assert await counts(conn) == (1, 2)
        assert await ledger.balance(conn, account_id=wallet) == 1_000


async def test_an_overdraft_is_refused_and_the_callers_transaction_stays_usable(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        wallet = await funded_wallet(conn, 100)
        escrow = await ledger.system_account(conn, AccountKind.ESCROW)
        async with conn.transaction():
            with pytest.raises(DomainError) as caught:
                await ledger.post(
                    conn, kind=LedgerKind.GENERATION_CHARGE, postings=[Posting(wallet, -101), Posting(escrow, 101)]
                )
            assert caught.value.code is ErrorCode.INSUFFICIENT_FUNDS
            # The savepoint was rolled back: the same transaction goes on and commits.
            await ledger.post(
                conn, kind=LedgerKind.GENERATION_CHARGE, postings=[Posting(wallet, -100), Posting(escrow, 100)]
            )
        assert await counts(conn) == (2, 4)
        assert await ledger.balance(conn, account_id=wallet) == 0
        assert await ledger_cli.verify(conn) == []


async def test_concurrent_debits_never_overdraw(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        wallet = await funded_wallet(conn, 5)
        escrow = await ledger.system_account(conn, AccountKind.ESCROW)

    async def debit() -> bool:
        async with db_pool.acquire() as conn, conn.transaction():
            try:
                await ledger.post(
                    conn, kind=LedgerKind.GENERATION_CHARGE, postings=[Posting(wallet, -1), Posting(escrow, 1)]
                )
            except DomainError as exc:
                assert exc.code is ErrorCode.INSUFFICIENT_FUNDS
                return False
            await asyncio.sleep(0.01)  # hold the lock so that the others queue behind it
            return True

    results = await asyncio.gather(*(debit() for _ in range(20)))
    assert results.count(True) == 5
    async with db_pool.acquire() as conn:
        assert await ledger.balance(conn, account_id=wallet) == 0
        assert await ledger.balance(conn, account_id=escrow) == 5
        assert await ledger_cli.verify(conn) == []


async def test_several_transactions_post_together_or_not_at_all(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        wallet = await funded_wallet(conn, 10)
        escrow, platform = [await ledger.system_account(conn, k) for k in (AccountKind.ESCROW, AccountKind.PLATFORM)]
        charge = NewTransaction(LedgerKind.GENERATION_CHARGE, [Posting(wallet, -4), Posting(escrow, 4)])
        fee = NewTransaction(LedgerKind.LICENSE_FEE, [Posting(escrow, -4), Posting(platform, 4)])
        async with conn.transaction():
            written = await ledger.post_all(conn, [charge, fee])
            async with db_pool.acquire() as other:
                # The wallet stays locked until the caller commits...
                with pytest.raises(asyncpg.LockNotAvailableError):
                    await other.execute("SELECT 1 FROM ledger_accounts WHERE id = $1 FOR NO KEY UPDATE NOWAIT", wallet)
                # ...escrow and the platform are not locked at all: their changes wait as pending rows.
                for account in (escrow, platform):
                    await other.execute("SELECT 1 FROM ledger_accounts WHERE id = $1 FOR NO KEY UPDATE NOWAIT", account)
        assert len(written) == 2
        assert await counts(conn) == (3, 6)
        assert [await ledger.balance(conn, account_id=a) for a in (wallet, escrow, platform)] == [6, 0, 4]
        # Together they overdraw the wallet (6 left, 4 + 5 asked): neither is written.
        overdraw = NewTransaction(LedgerKind.GENERATION_CHARGE, [Posting(wallet, -5), Posting(escrow, 5)])
        with pytest.raises(DomainError):
            await ledger.post_all(conn, [charge, overdraw])
        assert await counts(conn) == (3, 6)
        assert [await ledger.balance(conn, account_id=a) for a in (wallet, escrow, platform)] == [6, 0, 4]
        assert await ledger_cli.verify(conn) == []


async def test_an_unknown_account_is_refused(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        wallet = await funded_wallet(conn, 10)
        with pytest.raises(ValueError):
            await ledger.post(conn, kind=LedgerKind.LICENSE_FEE, postings=[Posting(wallet, -1), Posting(uuid4(), 1)])
        assert await counts(conn) == (1, 2)


async def test_a_replayed_external_id_is_credited_once(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        user_id, _ = await new_user(conn)

    async def credit() -> UUID | None:
        async with db_pool.acquire() as conn, conn.transaction():
            return await ledger.fund_wallet(
                conn, user_id=user_id, amount_micros=250, memo="p", external_id="payment:e1"
            )

    first, racing = await asyncio.gather(credit(), credit())
    assert [first, racing].count(None) == 1
    assert await credit() is None
    async with db_pool.acquire() as conn:
        assert await ledger.wallet_balance(conn, user_id=user_id) == 250
        assert await counts(conn) == (1, 2)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET amount_micros = amount_micros * 2",
        "DELETE FROM ledger_entries",
        "UPDATE ledger_transactions SET memo = 'edited'",
        "DELETE FROM ledger_transactions",
        "UPDATE ledger_accounts SET user_id = NULL, kind = 'PLATFORM' WHERE kind = 'WALLET'",
    ],
)
async def test_the_ledger_is_append_only(db_pool: asyncpg.Pool, statement: str) -> None:
    async with db_pool.acquire() as conn:
        await funded_wallet(conn, 10)
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute(statement)


async def test_the_database_refuses_an_unbalanced_transaction_at_commit(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        wallet = await funded_wallet(conn, 10)
        with pytest.raises(asyncpg.CheckViolationError) as caught:
            async with conn.transaction():
                tx = await conn.fetchval("INSERT INTO ledger_transactions (kind) VALUES ('FUNDING') RETURNING id")
                await conn.execute(
                    "INSERT INTO ledger_entries (transaction_id, account_id, amount_micros) "
                    "VALUES ($1, $2, 5), ($1, $2, 3)",
                    tx,
                    wallet,
                )
        assert caught.value.constraint_name == "ledger_entries_zero_sum"
        with pytest.raises(asyncpg.CheckViolationError) as caught:
            await conn.execute("INSERT INTO ledger_transactions (kind) VALUES ('FUNDING')")
        assert caught.value.constraint_name == "ledger_transactions_has_entries"
        assert await counts(conn) == (1, 2)


async def test_accounts_are_created_once_even_when_asked_concurrently(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        user_id, _ = await new_user(conn)

    async def both() -> tuple[UUID, UUID]:
        async with db_pool.acquire() as conn, conn.transaction():
            return await ledger.wallet_account(conn, user_id=user_id), await ledger.system_account(
                conn, AccountKind.PLATFORM
            )

    results = await asyncio.gather(*(both() for _ in range(4)))
    assert len(set(results)) == 1
    async with db_pool.acquire() as conn:
        with pytest.raises(ValueError):
            await ledger.system_account(conn, AccountKind.WALLET)
        assert await ledger.wallet_balance(conn, user_id=uuid4()) == 0


async def test_entries_page_newest_first_by_keyset(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        wallet = await funded_wallet(conn, 100)
        platform = await ledger.system_account(conn, AccountKind.PLATFORM)
        for amount in range(1, 6):
            await ledger.post(
                conn, kind=LedgerKind.LICENSE_FEE, postings=[Posting(wallet, -amount), Posting(platform, amount)]
            )
        everything = await ledger.account_entries(conn, account_id=wallet, after=None, limit=100)
        assert [e.amount_micros for e in everything] == [-5, -4, -3, -2, -1, 100]

        pages, after = [], None
        while page := await ledger.account_entries(conn, account_id=wallet, after=after, limit=2):
            pages.append([e.amount_micros for e in page])
            after = (page[-1].created_at, page[-1].id)
        assert pages == [[-5, -4], [-3, -2], [-1, 100]]

        found = await ledger.get_entries(conn, entry_ids=[everything[0].id, uuid4()])
        assert found == [everything[0]]


async def test_verify_reports_a_corrupted_entry_for_its_transaction_and_its_account(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        user_id, handle = await new_user(conn)
        tx = await ledger.fund_wallet(conn, user_id=user_id, amount_micros=100, memo="test")
        wallet = await ledger.wallet_account(conn, user_id=user_id)
        assert await ledger_cli.verify(conn) == []
        async with conn.transaction():  # DDL is transactional: the triggers are back on at commit
            await conn.execute("ALTER TABLE ledger_entries DISABLE TRIGGER USER")
            await conn.execute("UPDATE ledger_entries SET amount_micros = 142 WHERE account_id = $1", wallet)
            await conn.execute("ALTER TABLE ledger_entries ENABLE TRIGGER USER")

        assert await ledger_cli.verify(conn) == [
            f"transaction {tx} (FUNDING) sums to 42, not 0",
            f"account {wallet} (WALLET @{handle}) has balance 100 but its entries sum to 142",
        ]


class Undo(Exception):
    """Raised to roll back a test's deliberate corruption of the ledger."""


async def test_verify_reports_negative_balances_and_transactions_without_entries(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        wallet = await funded_wallet(conn, 100)
        with pytest.raises(Undo):
            async with conn.transaction():
                await conn.execute("ALTER TABLE ledger_entries DISABLE TRIGGER USER")
                await conn.execute("ALTER TABLE ledger_transactions DISABLE TRIGGER USER")
                await conn.execute("ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_balance_not_negative")
                await conn.execute("UPDATE ledger_accounts SET balance_micros = -1 WHERE id = $1", wallet)
                await conn.execute("UPDATE ledger_entries SET amount_micros = -1 WHERE account_id = $1", wallet)
                empty = await conn.fetchval(
                    "INSERT INTO ledger_transactions (kind) VALUES ('LICENSE_FEE') RETURNING id"
                )
                problems = await ledger_cli.verify(conn)
                raise Undo
        assert f"transaction {empty} (LICENSE_FEE) has 0 entries, not at least 2" in problems
        assert [p for p in problems if "negative" in p] == [
            f"account {wallet} (WALLET @{await handle_of(conn, wallet)}) is negative (-1)"
        ]
        assert await ledger_cli.verify(conn) == []


async def handle_of(conn: asyncpg.Connection, account_id: UUID) -> str:
    handle: str = await conn.fetchval(
        "SELECT u.handle FROM ledger_accounts a JOIN users u ON u.id = a.user_id WHERE a.id = $1", account_id
    )
    return handle


async def test_grant_credits_a_wallet_from_the_funding_source(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        user_id, handle = await new_user(conn)
        granted = await ledger_cli.grant(conn, handle=f"@{handle}", amount_micros=2_500_000)
        again = await ledger_cli.grant(conn, handle=handle, amount_micros=500_000)

        assert (granted.user_id, granted.balance_micros, again.balance_micros) == (user_id, 2_500_000, 3_000_000)
        entries = await ledger.account_entries(
            conn, account_id=await ledger.system_account(conn, AccountKind.FUNDING), after=None, limit=10
        )
        assert [(e.kind, e.amount_micros, e.memo) for e in entries] == [
            (LedgerKind.FUNDING, -500_000, "operator grant"),
            (LedgerKind.FUNDING, -2_500_000, "operator grant"),
        ]
        assert await ledger_cli.verify(conn) == []


@pytest.mark.parametrize(
    ("handle", "amount", "code"), [("nobody", 1, ErrorCode.NOT_FOUND), (None, 0, ErrorCode.INVALID)]
)
async def test_grant_refuses_unknown_users_and_non_positive_amounts(
    db_pool: asyncpg.Pool, handle: str | None, amount: int, code: ErrorCode
) -> None:
    async with db_pool.acquire() as conn:
        _, existing = await new_user(conn)
        with pytest.raises(DomainError) as caught:
            await ledger_cli.grant(conn, handle=handle or existing, amount_micros=amount)
        assert caught.value.code is code
        assert await counts(conn) == (0, 0)


async def test_the_commands_report_and_exit_non_zero_on_problems(db_pool: asyncpg.Pool, settings: Settings) -> None:
    assert settings.database_url
    async with db_pool.acquire() as conn:
        _, handle = await new_user(conn)

    assert await ledger_cli.grant_command(settings.database_url, handle, "2.5") == (
        0,
        [f"granted $2.50 to @{handle}; wallet balance $2.50"],
    )
    assert (await ledger_cli.grant_command(settings.database_url, handle, "-1"))[0] == 2
    assert (await ledger_cli.grant_command(settings.database_url, "nobody", "1"))[0] == 1
    assert await ledger_cli.verify_command(settings.database_url) == (0, ["ledger ok: every invariant holds"])

    async with db_pool.acquire() as conn, conn.transaction():
        await conn.execute("ALTER TABLE ledger_entries DISABLE TRIGGER USER")
        await conn.execute("UPDATE ledger_entries SET amount_micros = amount_micros + 1 WHERE amount_micros > 0")
        await conn.execute("ALTER TABLE ledger_entries ENABLE TRIGGER USER")
    status, lines = await ledger_cli.verify_command(settings.database_url)
    assert (status, len(lines), lines[-1]) == (1, 3, "2 discrepancies found")


async def test_escrow_and_platform_changes_wait_pending_and_fold_in_exactly_once(db_pool: asyncpg.Pool) -> None:
    async with db_pool.acquire() as conn:
        wallet = await funded_wallet(conn, 100)
        escrow, platform = [await ledger.system_account(conn, k) for k in (AccountKind.ESCROW, AccountKind.PLATFORM)]

    async def charge_and_settle() -> None:
        async with db_pool.acquire() as conn, conn.transaction():
            await ledger.post(
                conn, kind=LedgerKind.GENERATION_CHARGE, postings=[Posting(wallet, -2), Posting(escrow, 2)]
            )
        async with db_pool.acquire() as conn, conn.transaction():
            await ledger.post(conn, kind=LedgerKind.LICENSE_FEE, postings=[Posting(escrow, -2), Posting(platform, 2)])

    async def fold() -> None:
        async with db_pool.acquire() as conn:
            await ledger.fold_pending_balances(conn)

    # Posts and folds interleave; escrow and platform rows are never locked by a post.
    await asyncio.gather(*(charge_and_settle() for _ in range(20)), *(fold() for _ in range(5)))
    async with db_pool.acquire() as conn:
        balances = [await ledger.balance(conn, account_id=a) for a in (wallet, escrow, platform)]
        assert balances == [60, 0, 40]
        assert await ledger_cli.verify(conn) == []
        await ledger.fold_pending_balances(conn)
        assert await conn.fetchval("SELECT count(*) FROM ledger_pending_balances") == 0
        stored = await conn.fetch(
            "SELECT id, balance_micros FROM ledger_accounts WHERE id = ANY($1::uuid[])", [escrow, platform]
        )
        assert {r["id"]: r["balance_micros"] for r in stored} == {escrow: 0, platform: 40}
        assert [await ledger.balance(conn, account_id=a) for a in (wallet, escrow, platform)] == balances
        assert await ledger_cli.verify(conn) == []
