from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.revenue import Ancestor, LicenseShare, Split, SplitConfig, owed_difference, split

CONFIG = SplitConfig()
CREATOR = uuid4()


def license_(share_bps: int) -> LicenseShare:
    return LicenseShare(character_id=uuid4(), holder_id=uuid4(), share_bps=share_bps)


def ancestor(creator_id: UUID | None = None) -> Ancestor:
    return Ancestor(video_id=uuid4(), creator_id=creator_id or uuid4())


def split_of(
    views: int, licenses: list[LicenseShare], ancestors: list[Ancestor], config: SplitConfig = CONFIG
) -> Split:
    return split(qualified_views=views, creator_id=CREATOR, licenses=licenses, ancestors=ancestors, config=config)


def test_defaults_match_the_rules() -> None:
    expected = SplitConfig(
        view_revenue_micros=500,
        platform_fee_bps=3000,
        holders_cap_bps=5000,
        remix_ancestor_depth=3,
        remix_ancestor_bps=1000,
    )
    assert expected == CONFIG


def test_worked_example_a_split() -> None:
    a, b = license_(2000), license_(1500)
    p, q = ancestor(), ancestor()
    result = split_of(1000, [a, b], [p, q])
    assert result.gross == 500_000
    assert result.platform == 150_000
    assert result.holders == ((a, 100_000), (b, 75_000))
    assert result.ancestors == ((p, 17_500), (q, 1_750))
    assert result.creator == 155_750
    assert result.total == 500_000


def test_worked_example_b_cap() -> None:
    a, b = license_(4000), license_(3000)
    result = split_of(1000, [a, b], [])
    assert result.platform == 150_000
    assert result.holders == ((a, 142_857), (b, 107_142))
    assert result.ancestors == ()
    assert result.creator == 100_001
    assert result.total == 500_000


def test_worked_example_c_batching() -> None:
    holder = license_(3333)
    credited, previous = 0, None
    for views in (1, 2, 3):
        current = split_of(views, [holder], [])
        credited += dict(owed_difference(previous, current).holders)[holder]
        previous = current
    assert credited == 499
    assert 3 * split_of(1, [holder], []).holders[0][1] == 498


def test_crediting_twice_credits_nothing() -> None:
    current = split_of(7, [license_(1000)], [ancestor()])
    again = owed_difference(current, current)
    assert again.total == again.gross == 0
    assert all(amount == 0 for _, amount in (*again.holders, *again.ancestors))
    assert owed_difference(None, current) == current


def test_two_characters_of_one_holder_are_two_shares() -> None:
    holder = uuid4()
    a = LicenseShare(uuid4(), holder, 3000)
    b = LicenseShare(uuid4(), holder, 3000)
    result = split_of(1000, [a, b], [])
    assert result.holders == ((a, 125_000), (b, 125_000))


def test_ancestors_by_the_same_creator_are_skipped_without_using_a_step() -> None:
    own, p, q, r, s = ancestor(CREATOR), ancestor(), ancestor(CREATOR), ancestor(), ancestor()
    result = split_of(1000, [], [own, p, q, r, s])
    # pool = 350000; the first other creator gets a1, the next a2, the third a3, the fourth nothing.
    assert result.ancestors == ((p, 35_000), (r, 3_500), (s, 350))
    assert result.creator == 350_000 - 35_000 - 3_500 - 350
    assert result.total == result.gross


def test_only_same_creator_ancestors_leave_the_pool_to_the_creator() -> None:
    result = split_of(10, [license_(1000)], [ancestor(CREATOR), ancestor(CREATOR)])
    assert result.ancestors == ()
    assert result.creator == 5000 - 1500 - 500


def test_depth_limits_paid_ancestors() -> None:
    chain = [ancestor() for _ in range(5)]
    assert len(split_of(1000, [], chain).ancestors) == 3
    assert split_of(1000, [], chain, SplitConfig(remix_ancestor_depth=0)).ancestors == ()


def test_no_views_owes_nothing() -> None:
    result = split_of(0, [license_(5000)], [ancestor()])
    assert (result.gross, result.platform, result.creator) == (0, 0, 0)


@pytest.mark.parametrize(
    "overrides",
    [
        {"platform_fee_bps": 6000},  # with the 5000 cap, more than the whole
        {"holders_cap_bps": -1},
        {"view_revenue_micros": -1},
        {"remix_ancestor_depth": -1},
        {"remix_ancestor_bps": 10_001},
        {"remix_ancestor_bps": 9000, "remix_ancestor_depth": 2},  # 0.9 + 0.81 > 1
    ],
)
def test_configs_that_could_owe_negative_amounts_are_rejected(overrides: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        SplitConfig(**overrides)


def test_invalid_inputs_are_rejected() -> None:
    with pytest.raises(ValueError):
        split_of(-1, [], [])
    with pytest.raises(ValueError):
        split_of(1, [license_(10_001)], [])


# ---------------------------------------------------------------- properties

bps = st.integers(min_value=0, max_value=10_000)
shares = st.lists(st.builds(LicenseShare, st.uuids(), st.uuids(), bps), max_size=10)
chains = st.lists(st.builds(Ancestor, st.uuids(), st.one_of(st.just(CREATOR), st.uuids())), max_size=6)


@st.composite
def configs(draw: st.DrawFn) -> SplitConfig:
    platform = draw(st.integers(min_value=0, max_value=10_000))
    cap = draw(st.integers(min_value=0, max_value=10_000 - platform))
    depth = draw(st.integers(min_value=0, max_value=5))
    bps = draw(st.integers(min_value=0, max_value=5_000 if depth > 1 else 10_000))
    revenue = draw(st.integers(min_value=0, max_value=10_000))
    return SplitConfig(revenue, platform, cap, depth, bps)


@given(st.integers(min_value=0, max_value=10**9), shares, chains, configs())
def test_every_micro_is_owed_to_someone_and_nobody_owes(
    views: int, licenses: list[LicenseShare], ancestors: list[Ancestor], config: SplitConfig
) -> None:
    result = split_of(views, licenses, ancestors, config)
    assert result.gross == views * config.view_revenue_micros
    assert result.total == result.gross
    amounts = [result.platform, result.creator, *(a for _, a in (*result.holders, *result.ancestors))]
    assert all(amount >= 0 for amount in amounts)
    assert all(a.creator_id != CREATOR for a, _ in result.ancestors)


@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=1, max_value=1000), shares, chains)
def test_with_the_defaults_crediting_never_takes_back(
    views: int, more: int, licenses: list[LicenseShare], ancestors: list[Ancestor]
) -> None:
    before, after = split_of(views, licenses, ancestors), split_of(views + more, licenses, ancestors)
    owed = owed_difference(before, after)
    assert owed.total == owed.gross == more * CONFIG.view_revenue_micros
    amounts = [owed.platform, owed.creator, *(a for _, a in (*owed.holders, *owed.ancestors))]
    assert all(amount >= 0 for amount in amounts)


def _parts(result: Split) -> dict[object, int]:
    parts: dict[object, int] = {"platform": result.platform, "creator": result.creator}
    for party, amount in (*result.holders, *result.ancestors):
        parts[party] = parts.get(party, 0) + amount
    return parts


@given(st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=12), shares, chains, configs())
def test_any_batching_credits_exactly_the_split_of_the_total(
    batches: list[int], licenses: list[LicenseShare], ancestors: list[Ancestor], config: SplitConfig
) -> None:
    credited: dict[object, int] = {}
    previous, total = None, 0
    for views in batches:
        total += views
        current = split_of(total, licenses, ancestors, config)
        owed = owed_difference(previous, current)
        assert owed.total == owed.gross == views * config.view_revenue_micros
        for party, amount in _parts(owed).items():
            credited[party] = credited.get(party, 0) + amount
        previous = current
    expected = _parts(split_of(total, licenses, ancestors, config))
    assert {p: a for p, a in credited.items() if a} == {p: a for p, a in expected.items() if a}


@given(st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=12), shares, chains)
def test_with_the_defaults_no_crediting_run_owes_anyone_a_negative_amount(
    batches: list[int], licenses: list[LicenseShare], ancestors: list[Ancestor]
) -> None:
    previous, total = None, 0
    for views in batches:
        total += views
        current = split_of(total, licenses, ancestors)
        assert all(amount >= 0 for amount in _parts(owed_difference(previous, current)).values())
        previous = current
