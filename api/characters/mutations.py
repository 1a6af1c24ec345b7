"""createCharacter, createCameo, updateCharacter, publishPolicy, approveCreator, revokeCreator.

Each validates everything first (every bad field reported at once), checks membership
(FORBIDDEN), then writes in one transaction: a payload with userErrors changed nothing.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg
import strawberry

from api.characters.inputs import (
    AliasWarning,
    CharacterPayload,
    CreateCameoInput,
    CreateCharacterInput,
    PolicyInput,
    PublishPolicyInput,
    UpdateCharacterInput,
    clean_aliases,
    clean_descriptors,
    policy_draft,
)
from api.characters.types import Character
from api.context import Info
from api.enums import CharacterKind
from api.errors import Forbidden, collect, constraint_error, invalid, user_errors
from api.ids import decode_id
from db import restrict
from db.catalog import Catalog
from db.queries import activity, characters, holders, policies, users
from db.squatting import is_everyday_name, refuse_taken, taken_names
from domain.activity import ActivityKind
from domain.alias_warnings import alias_warnings
from domain.errors import DomainError, ErrorCode, FieldError
from domain.policy import HolderKind, Policy, RestrictAction, validate_policy
from workers import keys

MAX_NAME_LENGTH = 100
# Up to this many live videos are re-evaluated within publishPolicy itself; more go to a worker job.
SWEEP_INLINE_LIMIT = 200
MAX_DESCRIPTION_LENGTH = 2000
ONE_CAMEO = FieldError(ErrorCode.CONFLICT, "You already registered your cameo.")
TAKEN_NAME = {
    "characters_holder_name_key": FieldError(
        ErrorCode.TAKEN, "The holder already has a character of that name.", ("input", "name")
    )
}


def _check_name(name: str | None) -> list[FieldError]:
    if name is not None and not 1 <= len(name.strip()) <= MAX_NAME_LENGTH:
        return [invalid(f"Name must be 1-{MAX_NAME_LENGTH} characters.", "input", "name")]
    return []


def _check_description(description: str | None) -> list[FieldError]:
    if description is not None and len(description) > MAX_DESCRIPTION_LENGTH:
        return [invalid(f"Description must be at most {MAX_DESCRIPTION_LENGTH} characters.", "input", "description")]
    return []


async def _validated_policy(
    conn: asyncpg.Connection, raw: PolicyInput, kind: HolderKind, errors: list[FieldError]
) -> Policy | None:
    """The validated policy, or None with its errors appended (unknown blocked characters included)."""
    try:
        draft = policy_draft(raw)
        unknown = set(draft.blocked_co_character_ids) - await policies.existing_character_ids(
            conn, character_ids=draft.blocked_co_character_ids
        )
        if unknown:
            errors.append(invalid("Unknown blocked character.", "input", "policy", "blockedCoCharacterIds"))
        return validate_policy(draft, holder_kind=kind)
    except DomainError as error:
        errors.extend(error.errors)
        return None


async def _managed_character(
    conn: asyncpg.Connection, viewer_id: UUID, global_id: str, field: tuple[str, ...]
) -> characters.Character:
    """The character, locked for this transaction, when the viewer is a member of its holder."""
    raw_id = decode_id(global_id, "Character")
    holder_id = await characters.lock_character(conn, character_id=raw_id) if raw_id else None
    if raw_id is None or holder_id is None:
        raise DomainError(FieldError(ErrorCode.NOT_FOUND, "No such character.", field))
    if not await holders.is_member(conn, holder_id=holder_id, user_id=viewer_id):
        raise Forbidden("Only members of the character's holder may manage it.")
    row = await characters.get_character(conn, character_id=raw_id)
    assert row is not None
    return row


async def _payload(conn: asyncpg.Connection, character_id: UUID, taken_down: int | None = None) -> CharacterPayload:
    row = await characters.get_character(conn, character_id=character_id)
    assert row is not None
    return CharacterPayload(character=Character.from_row(row), taken_down=taken_down)


@strawberry.type
class CharacterMutations:
    @strawberry.mutation
    async def create_character(self, info: Info, input: CreateCharacterInput) -> CharacterPayload:
        viewer_id = info.context.require_viewer()
        try:
            async with info.context.pool.acquire() as conn, conn.transaction():
                holder_id = decode_id(input.holder_id, "Holder")
                holder = await holders.get_holder(conn, holder_id=holder_id) if holder_id else None
                if holder is None:
                    raise DomainError(FieldError(ErrorCode.NOT_FOUND, "No such holder.", ("input", "holderId")))
                if not await holders.is_member(conn, holder_id=holder.id, user_id=viewer_id):
                    raise Forbidden("Only the holder's members may add characters.")
                if holder.kind is HolderKind.PERSON:
                    raise DomainError(
                        invalid("A person's likeness is registered with createCameo.", "input", "holderId")
                    )
                errors = _check_name(input.name) + _check_description(input.description)
                aliases = clean_aliases(input.aliases, errors)
                descriptors = clean_descriptors(input.descriptors, input.descriptor_threshold, errors)
                policy = await _validated_policy(conn, input.policy, holder.kind, errors)
                collect(errors)
                assert policy is not None
                catalog = info.context.services.catalog
                await refuse_taken(conn, catalog, holder_id=holder.id, name=input.name.strip(), aliases=aliases)
                try:
                    character_id = await characters.insert_character(
                        conn,
                        holder_id=holder.id,
                        name=input.name.strip(),
                        description=input.description,
                        kind=CharacterKind.FICTIONAL,
                    )
                except asyncpg.UniqueViolationError as exc:
                    raise constraint_error(exc, TAKEN_NAME) from exc
                await characters.replace_aliases(conn, character_id=character_id, aliases=aliases)
                await characters.set_descriptors(
                    conn, character_id=character_id, descriptors=descriptors, threshold=input.descriptor_threshold
                )
                await policies.publish_policy(conn, character_id=character_id, policy=policy, published_by=viewer_id)
                payload = await _payload(conn, character_id)
        except DomainError as error:
            return CharacterPayload(user_errors=user_errors(error))
        return await _with_warnings(info, payload, character_id, [input.name.strip(), *aliases])

    @strawberry.mutation(description="Registers the viewer's own likeness as a CAMEO character under a PERSON holder.")
    async def create_cameo(self, info: Info, input: CreateCameoInput) -> CharacterPayload:
        viewer_id = info.context.require_viewer()
        try:
            async with info.context.pool.acquire() as conn, conn.transaction():
                (user,) = await users.get_users(conn, user_ids=[viewer_id])
                if await characters.cameo_of_users(conn, user_ids=[viewer_id]):
                    raise DomainError(ONE_CAMEO)
                holder = await holders.person_holder(conn, user_id=viewer_id)
                errors = _check_description(input.description)
                catalog = info.context.services.catalog
                required = await _cameo_names(conn, catalog, user, holder.id if holder else None)
                aliases = clean_aliases([*required, *input.aliases], errors)
                policy = await _validated_policy(conn, input.policy, HolderKind.PERSON, errors)
                collect(errors)
                assert policy is not None
                await refuse_taken(
                    conn, catalog, holder_id=holder.id if holder else None, name=None, aliases=input.aliases
                )
                if holder is None:
                    try:
                        holder = await holders.insert_holder(
                            conn, name=user.display_name, kind=HolderKind.PERSON, person_user_id=viewer_id
                        )
                    except asyncpg.UniqueViolationError as exc:  # a concurrent createCameo won
                        raise constraint_error(exc, {"holders_person_user_key": ONE_CAMEO}) from exc
                    await holders.add_member(conn, holder_id=holder.id, user_id=viewer_id, added_by=viewer_id)
                character_id = await characters.insert_character(
                    conn,
                    holder_id=holder.id,
                    # Named after the display name only when that is one of its aliases (see _cameo_names).
                    name=user.display_name if user.display_name in required else user.handle,
                    description=input.description,
                    kind=CharacterKind.CAMEO,
                )
                await characters.replace_aliases(conn, character_id=character_id, aliases=aliases)
                await policies.publish_policy(conn, character_id=character_id, policy=policy, published_by=viewer_id)
                payload = await _payload(conn, character_id)
        except DomainError as error:
            return CharacterPayload(user_errors=user_errors(error))
        return await _with_warnings(info, payload, character_id, aliases)

    @strawberry.mutation
    async def update_character(self, info: Info, input: UpdateCharacterInput) -> CharacterPayload:
        viewer_id = info.context.require_viewer()
        try:
            async with info.context.pool.acquire() as conn, conn.transaction():
                row = await _managed_character(conn, viewer_id, input.character_id, ("input", "characterId"))
                errors = _check_name(input.name) + _check_description(input.description)
                aliases = None
                catalog = info.context.services.catalog
                if input.aliases is not None:
                    required = await _cameo_aliases(conn, catalog, row) if row.kind == CharacterKind.CAMEO else []
                    aliases = clean_aliases([*required, *input.aliases], errors)
                descriptors = clean_descriptors(input.descriptors, input.descriptor_threshold, errors)
                collect(errors)
                name = input.name.strip() if input.name else None
                await refuse_taken(conn, catalog, holder_id=row.holder_id, name=name, aliases=input.aliases or [])
                try:
                    await characters.update_character(
                        conn,
                        character_id=row.id,
                        name=input.name.strip() if input.name else None,
                        description=input.description,
                        set_description=input.description is not None,
                    )
                except asyncpg.UniqueViolationError as exc:
                    raise constraint_error(exc, TAKEN_NAME) from exc
                if aliases is not None:
                    await characters.replace_aliases(conn, character_id=row.id, aliases=aliases)
                if descriptors is not None or input.descriptor_threshold is not None:
                    await characters.set_descriptors(
                        conn, character_id=row.id, descriptors=descriptors, threshold=input.descriptor_threshold
                    )
                payload = await _payload(conn, row.id)
        except DomainError as error:
            return CharacterPayload(user_errors=user_errors(error))
        names = [input.name.strip()] if input.name else []
        return await _with_warnings(info, payload, row.id, [*names, *(aliases or [])])

    @strawberry.mutation(description="Publishes a new, immutable policy version; it governs generations from now on.")
    async def publish_policy(self, info: Info, input: PublishPolicyInput) -> CharacterPayload:
        viewer_id = info.context.require_viewer()
        try:
            async with info.context.pool.acquire() as conn, conn.transaction():
                row = await _managed_character(conn, viewer_id, input.character_id, ("input", "characterId"))
                holder = await holders.get_holder(conn, holder_id=row.holder_id)
                assert holder is not None
                errors: list[FieldError] = []
                policy = await _validated_policy(conn, input.policy, holder.kind, errors)
                collect(errors)
                assert policy is not None
                published = await policies.publish_policy(
                    conn, character_id=row.id, policy=policy, published_by=viewer_id
                )
                taken_down, events = await _restrict(conn, row.id, published.policy)
                events.append(
                    await activity.record(
                        conn,
                        kind=ActivityKind.POLICY_PUBLISHED,
                        actor_id=viewer_id,
                        character_id=row.id,
                        members_of_holders_of=[row.id],
                        followers_of=[row.id],
                    )
                )
                payload = await _payload(conn, row.id, taken_down)
        except DomainError as error:
            return CharacterPayload(user_errors=user_errors(error))
        for event in events:
            await activity.publish(info.context.services.redis, event)
        if taken_down is None:  # too many videos for one request: a worker sweeps them in batches
            await info.context.services.redis.enqueue_job(
                "restrict_sweep", str(row.id), published.policy.version, _queue_name=keys.QUEUE
            )
        return payload

    @strawberry.mutation
    async def approve_creator(self, info: Info, character_id: strawberry.ID, handle: str) -> CharacterPayload:
        return await _set_approval(info, character_id, handle, approve=True)

    @strawberry.mutation
    async def revoke_creator(self, info: Info, character_id: strawberry.ID, handle: str) -> CharacterPayload:
        return await _set_approval(info, character_id, handle, approve=False)


async def _with_warnings(
    info: Info, payload: CharacterPayload, character_id: UUID, names: list[str]
) -> CharacterPayload:
    """The payload with the warnings about its names, read against the catalog once committed."""
    async with info.context.pool.acquire() as conn:
        detector = await info.context.services.catalog.detector(conn)
    warnings = alias_warnings(names, detector, own=character_id)
    payload.alias_warnings = [
        AliasWarning(alias=w.alias, code=w.code, message=w.message, other_id=w.other) for w in warnings
    ]
    return payload


async def _restrict(
    conn: asyncpg.Connection, character_id: UUID, policy: Policy
) -> tuple[int | None, list[activity.Event]]:
    """How many videos the new version took down (None: left to the worker), and the events to publish."""
    if policy.on_restrict is not RestrictAction.TAKE_DOWN:
        return 0, []
    video_ids = await restrict.candidates(conn, character_id=character_id, after=None, limit=SWEEP_INLINE_LIMIT + 1)
    if len(video_ids) > SWEEP_INLINE_LIMIT:
        return None, []
    return await restrict.sweep(conn, character_id=character_id, version=policy.version, video_ids=video_ids)


async def _cameo_aliases(conn: asyncpg.Connection, catalog: Catalog, row: characters.Character) -> list[str]:
    """The aliases a cameo always keeps (see _cameo_names)."""
    holder = await holders.get_holder(conn, holder_id=row.holder_id)
    assert holder is not None and holder.person_user_id is not None
    (user,) = await users.get_users(conn, user_ids=[holder.person_user_id])
    return await _cameo_names(conn, catalog, user, holder.id)


async def _cameo_names(
    conn: asyncpg.Connection, catalog: Catalog, user: users.User, holder_id: UUID | None
) -> list[str]:
    """The person's handle, with and without @, and display name, unless the display name is an
    everyday word or another character's name (RULES §11): then it would refuse or license every
    prompt that uses the word, so it is no alias (and the cameo is named after the handle)."""
    names = [user.handle, f"@{user.handle}"]
    if is_everyday_name(user.display_name):
        return names
    if await taken_names(conn, catalog, names=[user.display_name], holder_id=holder_id, verified_only=False):
        return names
    return [*names, user.display_name]


async def _set_approval(info: Info, character_id: str, handle: str, *, approve: bool) -> CharacterPayload:
    viewer_id = info.context.require_viewer()
    try:
        async with info.context.pool.acquire() as conn, conn.transaction():
            row = await _managed_character(conn, viewer_id, character_id, ("characterId",))
            user = await users.get_user_by_handle(conn, handle=handle.strip())
            if user is None:
                raise DomainError(FieldError(ErrorCode.NOT_FOUND, "No user with that handle.", ("handle",)))
            if approve:
                await policies.approve_creator(conn, character_id=row.id, user_id=user.id, approved_by=viewer_id)
            else:
                await policies.revoke_creator(conn, character_id=row.id, user_id=user.id)
            return await _payload(conn, row.id)
    except DomainError as error:
        return CharacterPayload(user_errors=user_errors(error))
