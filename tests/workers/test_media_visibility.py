"""Media follows visibility (RULES §11): public only while PUBLISHED, signed expiring URLs for those
entitled otherwise, removal after MEDIA_RETENTION_DAYS and at once for never-published deletions."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from cli import _operator
from settings import Settings
from tests.api.safety.test_moderation import moderate, report
from tests.helpers import Account, GraphQLClient, create_character, create_holder, create_user
from tests.workers import test_generation as generation
from tests.workers.test_generation import RunWorker, fund, remix, uuid_of
from workers.media_removal import remove_due_media
from workers.storage import storage_for
from workers.storage.signing import UrlSigner

run_worker = generation.run_worker
ledger_invariants_hold = generation.ledger_invariants_hold

MEDIA = "query($id: ID!) { node(id: $id) { ... on Video { status media { url thumbnailUrl provenanceUrl } } } }"
PUBLISH = "mutation($id: ID!) { publishVideo(videoId: $id) { video { status } userErrors { code } } }"
DELETE = "mutation($id: ID!) { deleteVideo(videoId: $id) { video { status } userErrors { code } } }"
TAKE_DOWN = """
mutation($input: TakeDownVideoInput!) { takeDownVideo(input: $input) { video { status } userErrors { code } } }
"""


async def get(client: GraphQLClient, url: str) -> int:
    parts = urlsplit(url)
    response = await client.http.get(parts.path + (f"?{parts.query}" if parts.query else ""))
    return response.status_code


def unsigned(url: str) -> str:
    return url.split("?")[0]


async def media(client: GraphQLClient, video: str, account: Account | None) -> Any:
    node = (await client.execute(MEDIA, {"id": video}, token=account.token if account else None)).data["node"]
    return node["media"] if node else None


async def drafted(client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker) -> tuple[Account, str]:
    fan = await create_user(client, handle="fan")
    await fund(db_pool, fan, 1_000_000)
    video = (await remix(client, fan, "a quiet forest", durationSeconds=1))["video"]["id"]
    await run_worker(generator="noop")
    return fan, video


async def test_a_draft_is_served_only_through_signed_urls_that_expire(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker, settings: Settings
) -> None:
    fan, video = await drafted(client, db_pool, run_worker)
    stranger = await create_user(client, handle="stranger")
    assert await media(client, video, stranger) is None  # the draft itself is invisible to them
    urls = await media(client, video, fan)
    for url in urls.values():
        assert "signature=" in url
        assert await get(client, url) == 200
        assert await get(client, unsigned(url)) == 404  # a stranger who got hold of the address
    # A signature for another file, or an expired one, is refused.
    key = urlsplit(unsigned(urls["url"])).path.removeprefix("/media/")
    signer = UrlSigner(settings.url_signing_secret)
    expired = signer.query(key, settings.media_url_ttl_seconds, now=time.time() - settings.media_url_ttl_seconds - 5)
    assert await get(client, f"{unsigned(urls['url'])}?{expired}") == 404
    other = signer.query(key + ".x", 600)
    assert await get(client, f"{unsigned(urls['url'])}?{other}") == 404


async def test_published_media_is_public_until_taken_down(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker
) -> None:
    ava = await create_user(client, handle="ava")
    nova = await create_character(client, ava, await create_holder(client, ava), "Captain Nova")
    fan = await create_user(client, handle="fan")
    await fund(db_pool, fan, 1_000_000)
    video = (await remix(client, fan, "Captain Nova naps", durationSeconds=1))["video"]["id"]
    await run_worker(generator="noop")
    assert (await client.execute(PUBLISH, {"id": video}, token=fan.token)).data["publishVideo"]["userErrors"] == []
    public = await media(client, video, None)
    assert "signature=" not in public["url"] and await get(client, public["url"]) == 200

    take_down = {"videoId": video, "characterId": nova, "reason": "not ours to share"}
    assert (await client.execute(TAKE_DOWN, {"input": take_down}, token=ava.token)).data["takeDownVideo"]["video"] == {
        "status": "TAKEN_DOWN"
    }
    assert await get(client, public["url"]) == 404  # (the tests' app caches no status: conftest)
    for account in (fan, ava):  # the creator and the holder's members still see it, signed (kept for appeals)
        signed = await media(client, video, account)
        assert "signature=" in signed["url"] and await get(client, signed["url"]) == 200


async def test_a_suspended_creators_media_is_no_longer_public(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker, settings: Settings
) -> None:
    ava = await create_user(client, handle="ava")
    nova = await create_character(client, ava, await create_holder(client, ava), "Captain Nova")
    fan, witness = await create_user(client, handle="fan"), await create_user(client, handle="witness")
    moderator = await create_user(client, handle="moderator")
    assert settings.database_url and (await _operator(settings.database_url, "grant", "moderator"))[0] == 0
    await fund(db_pool, fan, 1_000_000)
    video = (await remix(client, fan, "Captain Nova naps", characterIds=[nova], durationSeconds=1))["video"]["id"]
    await run_worker(generator="noop")
    await client.execute(PUBLISH, {"id": video}, token=fan.token)
    public = await media(client, video, None)
    assert await get(client, public["url"]) == 200

    made = (await report(client, witness, fan.id, "HARASSMENT"))["report"]["id"]
    assert (await moderate(client, moderator, made, "SUSPEND_USER")).data["moderate"]["userErrors"] == []
    for url in public.values():
        assert await get(client, url) == 404
    assert await media(client, video, witness) is None  # the video itself left every public path
    signed = await media(client, video, ava)  # the holder's members still see it, signed
    assert "signature=" in signed["url"] and await get(client, signed["url"]) == 200


async def test_media_of_a_never_published_deletion_is_removed_at_once(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker, settings: Settings
) -> None:
    fan, video = await drafted(client, db_pool, run_worker)
    urls = await media(client, video, fan)
    folder = settings.media_dir / "videos" / str(uuid_of(video))
    assert any(f.is_file() for f in folder.rglob("*"))
    assert (await client.execute(DELETE, {"id": video}, token=fan.token)).data["deleteVideo"]["video"] == {
        "status": "DELETED"
    }
    await run_worker(generator="noop")
    assert await get(client, urls["url"]) == 404  # even signed: the file is gone
    assert not folder.exists()
    row = await db_pool.fetchrow("SELECT media_key, media_removed_at FROM videos WHERE id = $1", uuid_of(video))
    assert row["media_key"] is None and row["media_removed_at"] is not None


async def test_taken_down_media_is_removed_after_the_retention_period(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker, settings: Settings
) -> None:
    fan, old = await drafted(client, db_pool, run_worker)
    recent = (await remix(client, fan, "a loud city", durationSeconds=1))["video"]["id"]
    await run_worker(generator="noop")
    for video, days in ((old, settings.media_retention_days + 1), (recent, settings.media_retention_days - 1)):
        await db_pool.execute(
            "UPDATE videos SET status = 'TAKEN_DOWN', updated_at = now() - make_interval(days => $2) WHERE id = $1",
            uuid_of(video),
            days,
        )
    # The worker's cron job, as the worker runs it.
    removed = await remove_due_media({"pool": db_pool, "settings": settings, "storage": storage_for(settings)})
    assert removed == 1
    assert await media(client, old, fan) is None
    assert await get(client, (await media(client, recent, fan))["url"]) == 200


async def test_a_deleted_accounts_media_and_expired_exports_are_removed(
    client: GraphQLClient, db_pool: asyncpg.Pool, run_worker: RunWorker, settings: Settings
) -> None:
    fan, draft = await drafted(client, db_pool, run_worker)
    public = (await remix(client, fan, "a loud city", durationSeconds=1))["video"]["id"]
    await run_worker(generator="noop")
    await client.execute(PUBLISH, {"id": public}, token=fan.token)
    export = (await client.execute("mutation { exportMyData { url } }", token=fan.token)).data["exportMyData"]["url"]
    assert await get(client, export) == 200

    delete = "mutation($p: String!) { deleteAccount(input: {password: $p}) { deleted } }"
    assert (await client.execute(delete, {"p": fan.password}, token=fan.token)).data["deleteAccount"]["deleted"]
    await run_worker(generator="noop")  # the removal job enqueued on commit
    for video in (draft, public):
        assert not (settings.media_dir / "videos" / str(uuid_of(video))).exists()

    # The export outlives its signed URL only until the media cron's next run.
    await db_pool.execute("UPDATE data_exports SET created_at = now() - make_interval(secs => $1)",
                          settings.media_url_ttl_seconds + 1)  # fmt: skip
    await remove_due_media({"pool": db_pool, "settings": settings, "storage": storage_for(settings)})
    assert await get(client, export) == 404
    assert await db_pool.fetchval("SELECT count(*) FROM data_exports") == 0
