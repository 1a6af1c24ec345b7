"""The `fanreel` command: dev, api, worker, migrate, seed."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from types import FrameType

from settings import Settings

logger = logging.getLogger("fanreel")


def configure_logging(settings: Settings) -> None:
    """JSON lines in production, readable ones in development (logs.py); metrics files shared by
    every process when METRICS_DIR is set (prometheus_client reads the variable on import)."""
    from logs import configure_logging as configure

    if settings.metrics_dir is not None:
        settings.metrics_dir.mkdir(parents=True, exist_ok=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(settings.metrics_dir)
    configure(settings)


def run_api(settings: Settings) -> None:
    import uvicorn

    from api.app import create_app

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn logs through ours (JSON in production)
        access_log=False,  # fanreel.requests logs each request with its operation, cost and user
    )


def run_worker(settings: Settings) -> None:
    from workers.settings import serve, worker_settings

    asyncio.run(_migrate(settings))
    serve(worker_settings(settings))


def run_worker_health(settings: Settings) -> None:
    """Exit 0 when a worker refreshed its health key within the last interval (compose's check)."""
    from arq.worker import check_health

    from workers.settings import worker_settings

    sys.exit(check_health(worker_settings(settings)))


def run_migrate(settings: Settings) -> None:
    for name in asyncio.run(_migrate(settings)):
        print(f"applied {name}")


async def _migrate(settings: Settings) -> list[str]:
    from db.migrate import migrate_url

    assert settings.database_url, "set DATABASE_URL (or use `fanreel dev`, which starts an embedded one)"
    return await migrate_url(settings.database_url)


def run_seed(settings: Settings) -> None:
    from api.seed import seed_url

    assert settings.database_url, "set DATABASE_URL (or use `fanreel dev`, which seeds on start)"
    asyncio.run(_migrate(settings))
    print(asyncio.run(seed_url(settings)))


def run_dev(settings: Settings) -> None:
    """Embedded servers when no URLs are set, migrations, demo data, then API + worker."""
    from embedded import EmbeddedServices

    services = EmbeddedServices(settings.data_dir) if settings.embedded else None
    children: list[subprocess.Popen[bytes]] = []
    _stop_on_signals()
    try:
        env = dict(os.environ)
        if settings.metrics_dir is None:  # the API's /metrics also shows the worker's jobs
            metrics_dir = settings.data_dir / "metrics"
            shutil.rmtree(metrics_dir, ignore_errors=True)  # values of processes that are gone
            env["METRICS_DIR"] = str(metrics_dir)
        if services is not None:
            database_url, redis_url = services.start()
            env |= {"DATABASE_URL": database_url, "REDIS_URL": redis_url}
            settings = settings.model_copy(update={"database_url": database_url, "redis_url": redis_url})
        run_seed(settings)
        for command in ("api", "worker"):
            children.append(subprocess.Popen([sys.executable, "-m", "cli", command], env=env))
        _wait_until_serving(settings, children)
        print(f"fanreel is up: GraphiQL at http://{settings.host}:{settings.port}/graphql (Ctrl-C stops)")
        _wait_any(children)
    except KeyboardInterrupt:
        pass
    finally:
        _stop(children)
        if services is not None:
            services.stop()


def _stop_on_signals() -> None:
    """SIGTERM and SIGINT stop everything, also when started in the background (where a shell
    leaves SIGINT ignored)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _wait_until_serving(settings: Settings, children: Sequence[subprocess.Popen[bytes]]) -> None:
    """Return once the API answers /healthz, so "fanreel is up" is only said when it is (or a child exits)."""
    import httpx

    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    url = f"http://{host}:{settings.port}/healthz"
    while all(child.poll() is None for child in children):
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)


def _wait_any(children: Sequence[subprocess.Popen[bytes]]) -> None:
    while all(child.poll() is None for child in children):
        time.sleep(0.2)
    logger.error("a child process exited; stopping fanreel")


def _stop(children: Sequence[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def run_credit(settings: Settings) -> None:
    from db.crediting import credit_command

    assert settings.database_url, "set DATABASE_URL"
    print(asyncio.run(credit_command(settings)))


def run_export_schema(settings: Settings) -> None:
    from api.schema import SDL_PATH, schema

    SDL_PATH.write_text(schema.as_str() + "\n")
    print(f"wrote {SDL_PATH}")


COMMANDS: dict[str, tuple[Callable[[Settings], None], str]] = {
    "dev": (run_dev, "embedded PostgreSQL/Redis when no URLs are set, migrate, seed, run API + worker"),
    "api": (run_api, "serve the API with uvicorn on HOST:PORT"),
    "worker": (run_worker, "run the arq worker"),
    "worker-health": (run_worker_health, "exit 0 when a worker is alive (for container health checks)"),
    "migrate": (run_migrate, "apply pending database migrations"),
    "seed": (run_seed, "load the demo data (idempotent)"),
    "export-schema": (run_export_schema, "write the served GraphQL SDL to schema.graphql"),
    "credit": (run_credit, "credit the qualified views waiting now (the worker does it every CREDIT_INTERVAL_SECONDS)"),
}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="fanreel")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        commands.add_parser(name, help=help_text)
    wallet = commands.add_parser("wallet", help="operator actions on wallets").add_subparsers(
        dest="action", required=True
    )
    grant = wallet.add_parser("grant", help="credit a wallet from the funding source (memo 'operator grant')")
    grant.add_argument("handle")
    grant.add_argument("amount", help="USD, e.g. 5 or 2.50")
    ledger = commands.add_parser("ledger", help="ledger checks").add_subparsers(dest="action", required=True)
    ledger.add_parser("verify", help="check every ledger invariant; exit 1 on any discrepancy")
    operator = commands.add_parser("operator", help="the operator role (moderation and verification queues)")
    operator_actions = operator.add_subparsers(dest="action", required=True)
    for action in ("grant", "revoke"):
        operator_actions.add_parser(action, help=f"{action} the operator role").add_argument("handle")
    holder = commands.add_parser("holder", help="operator actions on holders").add_subparsers(
        dest="action", required=True
    )
    holder.add_parser("verify", help="mark a holder VERIFIED (RULES §11)").add_argument("holder_id", help="global ID")
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(settings)
    if args.command in ("wallet", "ledger"):
        sys.exit(run_ledger(settings, args))
    if args.command == "operator":
        sys.exit(run_operator(settings, args.action, args.handle))
    if args.command == "holder":
        sys.exit(run_holder_verify(settings, args.holder_id))
    COMMANDS[args.command][0](settings)


def run_ledger(settings: Settings, args: argparse.Namespace) -> int:
    from db.crediting import split_config
    from db.ledger_cli import checks_for, grant_command, verify_command

    assert settings.database_url, "set DATABASE_URL"
    if args.command == "wallet":
        status, lines = asyncio.run(grant_command(settings.database_url, args.handle, args.amount))
    else:
        status, lines = asyncio.run(verify_command(settings.database_url, checks_for(split_config(settings))))
    print("\n".join(lines), file=sys.stderr if status else sys.stdout)
    return status


def run_operator(settings: Settings, action: str, handle: str) -> int:
    """Grant or revoke the operator role; exit 1 for an unknown handle."""
    assert settings.database_url, "set DATABASE_URL"
    status, line = asyncio.run(_operator(settings.database_url, action, handle))
    print(line, file=sys.stderr if status else sys.stdout)
    return status


async def _operator(database_url: str, action: str, handle: str) -> tuple[int, str]:
    import asyncpg

    from db.queries import operators, users

    conn = await asyncpg.connect(database_url)
    try:
        user = await users.get_user_by_handle(conn, handle=handle.lstrip("@"))
        if user is None:
            return 1, f"no user @{handle.lstrip('@')}"
        if action == "grant":
            changed = await operators.grant(conn, user_id=user.id)
            return 0, f"@{user.handle} {'is now' if changed else 'already was'} an operator"
        changed = await operators.revoke(conn, user_id=user.id)
        return 0, f"@{user.handle} {'is no longer' if changed else 'was not'} an operator"
    finally:
        await conn.close()


def run_holder_verify(settings: Settings, holder_id: str) -> int:
    """Verify a holder by global ID; exit 1 when unknown or refused (a name a verified holder has)."""
    assert settings.database_url, "set DATABASE_URL"
    status, line = asyncio.run(holder_verify(settings.database_url, holder_id))
    print(line, file=sys.stderr if status else sys.stdout)
    return status


async def holder_verify(database_url: str, holder_id: str) -> tuple[int, str]:
    import asyncpg

    from api.ids import decode_id
    from db.catalog import Catalog
    from db.queries import holders
    from db.verification import verify
    from domain.errors import DomainError

    raw_id = decode_id(holder_id, "Holder")
    conn = await asyncpg.connect(database_url)
    catalog = Catalog(database_url)
    try:
        async with conn.transaction():
            holder = await holders.lock_holder(conn, holder_id=raw_id) if raw_id else None
            if holder is None:
                return 1, f"no holder {holder_id}"
            verified = await verify(conn, catalog, holder, approve=True, decided_by=None, note="fanreel holder verify")
        return 0, f"{verified.name} is {verified.verification.value}"
    except DomainError as error:
        return 1, "; ".join(e.message for e in error.errors)
    finally:
        await catalog.close()
        await conn.close()


if __name__ == "__main__":
    main()
