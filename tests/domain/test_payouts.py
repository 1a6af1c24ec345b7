import pytest

from domain.errors import DomainError, ErrorCode
from domain.payouts import check_request, withdrawable


def test_top_ups_never_leave_and_the_hold_waits() -> None:
    # Earned 30 long ago, 5 recently, 10 requested; the wallet holds only 12 (the rest was spent).
    figures = withdrawable(earned_before_hold=30, earned_recently=5, committed=10, balance=12, held=7)
    assert (figures.available, figures.pending) == (12, 12)
    assert withdrawable(earned_before_hold=30, earned_recently=0, committed=10, balance=99, held=0).available == 20
    assert withdrawable(earned_before_hold=5, earned_recently=0, committed=10, balance=99, held=0).available == 0


def test_requests() -> None:
    assert check_request(None, 15, 10) == 15
    assert check_request(10, 15, 10) == 10
    for amount, available in ((9, 15), (16, 15), (None, 9), (0, 15)):
        with pytest.raises(DomainError) as refused:
            check_request(amount, available, 10)
        assert refused.value.code in (ErrorCode.INSUFFICIENT_FUNDS, ErrorCode.INVALID)
