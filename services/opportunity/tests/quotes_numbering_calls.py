"""What the unit and integration tests of quotes numbering share."""

from __future__ import annotations

from crm.common.v1 import common_pb2
from crm.opportunity.v1 import opportunity_pb2 as pb

LINE = pb.QuoteLineInput(
    description="年度订阅", quantity="1", unit_price=common_pb2.Money(currency="CNY", units=9_800)
)
