"""A batch of imported rows captured in one transaction by the same `capture()` as
POST /v1/leads, on a session whose repositories batch the store's work.

The batch session reads once what every capture of the batch would read again: the
candidate duplicates of all its rows (one `$in` look-up per identifier kind), the
tenant's settings, rules, reps and round-robin turns. It serves the batch's own
writes back from memory (row 300 sees the lead row 12 created, a rep's count includes
the slots taken so far) and writes at the end: new leads and events in bulk, changed
leads with their version check, every identifier key and rep counter it touched.

Isolation is the transaction's, as between two single captures (ADR 13): everything a
decision rested on is written by the batch (identifier keys, the rep counters), so a
capture or another import racing it on the same phone, email, company or rep
conflicts with it, and MongoDB makes one of them run again. The turns it used are
added to the round-robin counters outside the transaction, as a single capture draws
them (ADR 20): a turn shared with a racing capture costs fairness, never capacity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from crm_runtime.errors import Conflict
from crm_runtime.mongo import TenantCollection, Transaction
from pymongo import UpdateOne

from lead.app import Session
from lead.config_store import CURSORS, LeadConfig
from lead.documents import lead_from_doc, lead_to_doc
from lead.domain.assignment import AssignmentRule, Rep
from lead.domain.dedup import DedupKeys
from lead.domain.lead import Lead
from lead.domain.settings import LeadSettings
from lead.store import LeadRepository

IDENTIFIERS = ("phone", "email", "company_key")


class BatchLeads(LeadRepository):
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        super().__init__(tx, tenant_id)
        self.cache: dict[str, Lead] = {}
        self.read_versions: dict[str, int] = {}  # stored leads: the version read
        self.index: dict[str, dict[str, set[str]]] = {name: {} for name in IDENTIFIERS}
        self.new: dict[str, datetime | None] = {}  # to insert, with next_check_at
        self.changed: dict[str, datetime | None] = {}  # stored ones to update
        self.touched: dict[str, str] = {}  # identifier key -> the lead that touched it first
        self.row_keys: list[str] = []

    def preload(self, keys: Iterable[DedupKeys]) -> None:
        """Every stored lead sharing an identifier with any row of the batch: three
        indexed `$in` look-ups (merged leads too; possible_duplicates skips them)."""
        wanted: dict[str, set[str]] = {name: set() for name in IDENTIFIERS}
        for k in keys:
            for name, value in zip(IDENTIFIERS, (k.phone, k.email, k.company_key), strict=True):
                if value:
                    wanted[name].add(value)
        for name, values in wanted.items():
            if values:
                # No merged_into here: the embedded MongoDB scans the collection for an
                # $in beside another field, even one its index holds (ADR 14).
                for doc in self.leads.find({name: {"$in": sorted(values)}}):
                    self._remember(lead_from_doc(doc), stored=True)

    def _remember(self, lead: Lead, stored: bool = False) -> None:
        if stored:
            if lead.id in self.cache:
                return
            self.read_versions[lead.id] = lead.version
        self.cache[lead.id] = lead
        for name in IDENTIFIERS:
            value = getattr(lead, name)
            if value:
                self.index[name].setdefault(value, set()).add(lead.id)

    def begin_row(self) -> None:
        self.row_keys = []

    # What capture() calls ------------------------------------------------------------

    def serialise_identifiers(self, keys: DedupKeys, lead_id: str, now: datetime) -> None:
        # Kept for the row until its lead is added: a refused row touches nothing.
        self.row_keys = [
            f"{field}:{value}"
            for field, value in (
                ("phone", keys.phone),
                ("email", keys.email),
                ("company", keys.company_key),
            )
            if value
        ]

    def possible_duplicates(self, keys: DedupKeys) -> list[Lead]:
        ids: set[str] = set()
        for name, value in zip(
            IDENTIFIERS, (keys.phone, keys.email, keys.company_key), strict=True
        ):
            if value:
                ids |= self.index[name].get(value, set())
        return [self.cache[i] for i in sorted(ids) if not self.cache[i].merged_into]

    def get(self, lead_id: str) -> Lead | None:
        if lead_id not in self.cache:
            found = super().get(lead_id)
            if found is None:
                return None
            self._remember(found, stored=True)
        return self.cache[lead_id]

    def add(self, lead: Lead, next_check_at: datetime | None) -> None:
        self.tx.record(*lead.events)
        self._remember(replace(lead, events=[]))
        self.new[lead.id] = next_check_at
        for key in self.row_keys:
            self.touched.setdefault(key, lead.id)
        self.row_keys = []

    def save(self, lead: Lead, expected_version: int, next_check_at: datetime | None) -> Lead:
        current = self.cache.get(lead.id)
        if current is None or current.version != expected_version:
            raise Conflict(f"lead {lead.id} was changed by someone else; read it again")
        self.tx.record(*lead.events)
        saved = replace(lead, version=expected_version + 1, events=[])
        self._remember(saved)
        (self.new if lead.id in self.new else self.changed)[lead.id] = next_check_at
        return saved

    # The end of the batch ------------------------------------------------------------

    def flush(self, now: datetime) -> None:
        if self.new:
            self.leads.insert_many(
                [{**lead_to_doc(self.cache[i]), "next_check_at": at} for i, at in self.new.items()]
            )
        for lead_id, at in self.changed.items():
            doc = lead_to_doc(self.cache[lead_id])
            doc.pop("_id")
            doc["next_check_at"] = at
            if not self.leads.update_one(
                {"_id": lead_id, "version": self.read_versions[lead_id]}, {"$set": doc}
            ):
                raise Conflict(f"lead {lead_id} was changed by someone else during the import")
        if self.touched:
            self._touch_keys(now)

    def _touch_keys(self, now: datetime) -> None:
        """What serialise_identifiers does per capture, for the batch: keys that exist
        are updated, new ones inserted (an insert costs the embedded MongoDB a third of
        an upsert). A capture that inserted one of them since this transaction began
        conflicts with it either way."""
        wanted = sorted(self.touched)
        found = {d["key"] for d in self.keys.find({"key": {"$in": wanted}}, projection={"key": 1})}
        fresh = [k for k in wanted if k not in found]
        if fresh:
            self.keys.insert_many(
                [{"key": k, "touched_at": now, "first_lead_id": self.touched[k]} for k in fresh]
            )
        if found:
            scope = {"tenant_id": self.tenant_id}
            self.keys.raw.bulk_write(
                [UpdateOne({**scope, "key": k}, {"$set": {"touched_at": now}}) for k in found],
                ordered=False,
                session=self.keys.session,
            )


class BatchConfig(LeadConfig):
    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        super().__init__(tx, tenant_id)
        self._cached: dict[str, Any] = {}
        self._directory: dict[str, tuple[Rep, str]] | None = None
        self._turns: dict[str, int] = {}  # round-robin group -> last turn seen
        self.slots: dict[str, int] = {}  # rep -> open leads added by the batch
        self.taken: set[tuple[str, str]] = set()  # (rep, lead) slots taken by the rules
        self.drawn: dict[str, int] = {}  # round-robin group -> turns used by the batch
        self.turn_counters = TenantCollection(tx.db[CURSORS], tenant_id)  # not transactional

    def _once(self, name: str, load: Any) -> Any:
        if name not in self._cached:
            self._cached[name] = load()
        return self._cached[name]

    def settings(self) -> LeadSettings:
        return self._once("settings", super().settings)  # type: ignore[no-any-return]

    def custom_fields(self) -> Any:
        return self._once("custom_fields", super().custom_fields)

    def rules(self) -> list[AssignmentRule]:
        return self._once("rules", super().rules)  # type: ignore[no-any-return]

    def directory(self) -> list[tuple[Rep, str]]:
        if self._directory is None:
            self._directory = {rep.id: (rep, manager) for rep, manager in super().directory()}
        return list(self._directory.values())

    def rep(self, rep_id: str) -> Rep | None:
        self.directory()
        assert self._directory is not None
        found = self._directory.get(rep_id)
        return found[0] if found else None

    def _bump(self, rep_id: str, delta: int) -> None:
        assert self._directory is not None
        rep, manager = self._directory[rep_id]
        self._directory[rep_id] = (replace(rep, open_leads=rep.open_leads + delta), manager)
        self.slots[rep_id] = self.slots.get(rep_id, 0) + delta

    def draw_turns(self, groups: list[str]) -> dict[str, int]:
        missing = [g for g in groups if g not in self._turns]
        if missing:
            found = self.turn_counters.find({"group": {"$in": missing}})
            self._turns.update({d["group"]: int(d.get("turn", 0)) for d in found})
        for group in groups:
            self._turns[group] = self._turns.get(group, 0) + 1
            self.drawn[group] = self.drawn.get(group, 0) + 1
        return {g: self._turns[g] for g in groups}

    def reserve(self, rep_id: str, capacity: int, lead_id: str, now: datetime) -> bool:
        rep = self.rep(rep_id)
        if rep is None or not rep.active or rep.away or rep.open_leads >= capacity:
            return False
        self._bump(rep_id, 1)
        self.taken.add((rep_id, lead_id))
        return True

    def holds(self, rep_id: str, lead_id: str) -> bool:
        return (rep_id, lead_id) in self.taken

    def add_open_lead(self, rep_id: str) -> None:
        if self.rep(rep_id) is not None:
            self._bump(rep_id, 1)

    def free_slot(self, rep_id: str) -> None:
        rep = self.rep(rep_id)
        if rep is not None and rep.open_leads > 0:
            self._bump(rep_id, -1)

    def flush(self) -> None:
        for rep_id, delta in self.slots.items():
            if delta:
                self.reps.update_one({"rep_id": rep_id}, {"$inc": {"open_leads": delta}})
        for group, used in self.drawn.items():  # outside the transaction, as captures do
            self.turn_counters.update_one({"group": group}, {"$inc": {"turn": used}}, upsert=True)


class ImportSession(Session):
    """A Session (lead.app) whose repositories batch: capture() runs on it unchanged."""

    def __init__(self, tx: Transaction, tenant_id: str) -> None:
        self.leads: BatchLeads = BatchLeads(tx, tenant_id)
        self.config: BatchConfig = BatchConfig(tx, tenant_id)
        self.settings = self.config.settings()
        self.slots = self.config  # turns and slots in memory, flushed with the batch

    def flush(self, now: datetime) -> None:
        self.leads.flush(now)
        self.config.flush()
