"""Use cases of receipts: record a reported receipt once per external reference (a
repeat answers the first, marked duplicate; other facts under a recorded reference are
a conflict), and read one. Finance records and reads receipts (the gateway's roles)."""

from __future__ import annotations

from crm_runtime.errors import AlreadyExists, NotFound
from crm_runtime.paging import page_limit
from crm_runtime.principal import Principal

from payment.indexes import LATEST_RECEIVED_FIRST
from payment.ports import Stores
from payment.receipts.domain import Receipt, ReceiptDraft, differences, record_receipt
from payment.receipts.listing import ReceiptQuery, list_key, receipt_query
from payment.session import ServiceApp


class ReceiptApp(ServiceApp):
    def record(self, principal: Principal, draft: ReceiptDraft) -> tuple[Receipt, bool]:
        """(the receipt, whether it was recorded before). Two reports racing: the unique
        reference lets one insert; the other reads the winner in a new transaction."""
        tenant = principal.tenant_id
        made = record_receipt(
            draft,
            receipt_id=self.new_id(),
            tenant_id=tenant,
            by=principal.user_id,
            now=self.clock(),
        )
        reference = made.draft.external_reference

        def work(s: Stores) -> tuple[Receipt, bool]:
            first = s.receipts(tenant).by_reference(reference)
            if first is not None:
                return first, True
            s.receipts(tenant).add(made)
            return made, False

        try:
            found, duplicate = self.storage.run(work)
        except AlreadyExists:
            first = self.storage.run(lambda s: s.receipts(tenant).by_reference(reference))
            assert first is not None  # the insert that beat ours committed
            found, duplicate = first, True
        if duplicate and (differ := differences(found, made.draft)):
            raise AlreadyExists(
                f"external reference {reference} is recorded as receipt {found.id} with "
                f"another {', '.join(differ)}"
            )
        return found, duplicate

    def get(self, principal: Principal, receipt_id: str) -> Receipt:
        found = self.storage.run(lambda s: s.receipts(principal.tenant_id).get(receipt_id))
        if found is None:
            raise NotFound(f"receipt {receipt_id} not found")
        return found

    def page(
        self, principal: Principal, q: ReceiptQuery, limit: int, cursor: str
    ) -> tuple[list[Receipt], str]:
        """Latest received first; the next page's cursor ("" at the end)."""
        size, after = page_limit(limit), LATEST_RECEIVED_FIRST.decode(cursor)
        query = receipt_query(q)
        found = self.storage.run(
            lambda s: s.receipts(principal.tenant_id).page(query, list_key(query), size + 1, after)
        )
        if len(found) <= size:
            return found, ""
        last = found[size - 1]
        doc = {"_id": last.id, "received_at": last.draft.received_at}
        return found[:size], LATEST_RECEIVED_FIRST.encode(doc)
