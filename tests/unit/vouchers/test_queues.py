"""The `queue` values the voucher list accepts are exactly the voucher statuses, in their order."""

from klientportal.vouchers.records import QUEUES, Status


def test_one_queue_per_status():
    assert tuple(s.value for s in Status) == QUEUES
