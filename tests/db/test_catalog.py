"""The detection index of another process sees a character added or renamed within a second,
through an update in place (db/catalog.py), not a rebuild."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from settings import Settings
from tests.helpers import GraphQLClient, create_character, create_holder, create_user

WATCHER = Path(__file__).with_name("catalog_watcher.py")
RENAME = """
mutation Rename($input: UpdateCharacterInput!) { updateCharacter(input: $input) { userErrors { code } } }
"""


async def test_a_second_process_sees_added_and_renamed_characters(client: GraphQLClient, settings: Settings) -> None:
    assert settings.database_url
    ava = await create_user(client, handle="ava")
    holder = await create_holder(client, ava)
    await create_character(client, ava, holder, "Krakenhorn")
    watcher = await asyncio.create_subprocess_exec(
        sys.executable,
        str(WATCHER),
        settings.database_url,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert watcher.stdin is not None and watcher.stdout is not None
    try:
        assert (await asyncio.wait_for(watcher.stdout.readline(), 30)).strip() == b"ready"

        async def seen(name: str) -> list[str]:
            assert watcher.stdin is not None and watcher.stdout is not None
            watcher.stdin.write(f"find {name}\n".encode())
            await watcher.stdin.drain()
            return (await asyncio.wait_for(watcher.stdout.readline(), 10)).decode().split()

        zorblax = await create_character(client, ava, holder, "Zorblax")
        status, waited, update_cpu = await seen("Zorblax")
        assert status == "found" and float(waited) < 1000 and float(update_cpu) < 50
        renamed = await client.execute(RENAME, {"input": {"characterId": zorblax, "name": "Vexmoor"}}, token=ava.token)
        assert renamed.data["updateCharacter"]["userErrors"] == []
        status, waited, update_cpu = await seen("Vexmoor")
        assert status == "found" and float(waited) < 1000 and float(update_cpu) < 50
        assert await seen("Zorblax") == ["missing"]  # the old name is gone from the other process too
    finally:
        watcher.stdin.close()
        await asyncio.wait_for(watcher.wait(), 10)
