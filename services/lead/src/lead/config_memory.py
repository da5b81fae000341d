"""A tenant's lead configuration in memory (lead.ports.TenantConfig and Slots), beside
`lead.config_store` on MongoDB and held to the same contract suite. Rep slots and
round-robin turns are written outside the transaction, as there (ADR 20): a slot
taken by a use case that fails is given back by the use case itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from crm_runtime.storage.memory import MemoryTransaction, MemoryUnitOfWork

from lead.domain.assignment import AssignmentRule, Rep
from lead.domain.custom_fields import CustomFieldSchema
from lead.domain.settings import LeadSettings
from lead.ports import HeldSlots


class MemoryConfig:
    def __init__(self, tx: MemoryTransaction, tenant_id: str) -> None:
        self.tx = tx
        self.tenant_id = tenant_id
        self.values = tx.table("lead_config")  # (tenant, what) -> overrides, rules, fields
        self.reps = tx.table("reps")  # (tenant, rep id) -> (rep, manager id)
        self.counts = tx.outside("rep_slots")  # (tenant, rep id) -> open leads, notes

    def _get(self, what: str, default: Any) -> Any:
        return self.values.get((self.tenant_id, what), default)

    def overrides(self) -> dict[str, Any]:
        return dict(self._get("overrides", {}))

    def settings(self) -> LeadSettings:
        return LeadSettings.from_dict(self.overrides())

    def settings_version(self) -> int:
        return int(self._get("settings_version", 1))

    def save_overrides(self, overrides: dict[str, Any]) -> None:
        self.values[(self.tenant_id, "settings_version")] = self.settings_version() + 1
        self.values[(self.tenant_id, "overrides")] = dict(overrides)

    def rules(self) -> list[AssignmentRule]:
        return list(self._get("rules", []))

    def rules_version(self) -> int:
        return int(self._get("rules_version", 1))

    def replace_rules(self, rules: list[AssignmentRule]) -> None:
        self.values[(self.tenant_id, "rules_version")] = self.rules_version() + 1
        self.values[(self.tenant_id, "rules")] = list(rules)

    def custom_fields(self) -> CustomFieldSchema:
        found: CustomFieldSchema = self._get("custom_fields", CustomFieldSchema(()))
        return found

    def custom_fields_version(self) -> int:
        return int(self._get("custom_fields_version", 1))

    def save_custom_fields(self, schema: CustomFieldSchema) -> None:
        self.values[(self.tenant_id, "custom_fields_version")] = self.custom_fields_version() + 1
        self.values[(self.tenant_id, "custom_fields")] = schema

    def all_reps(self) -> list[Rep]:
        return [rep for rep, _ in self.directory()]

    def directory(self) -> list[tuple[Rep, str]]:
        ids = sorted(rep_id for tenant, rep_id in self.reps if tenant == self.tenant_id)
        return [self._entry(rep_id) for rep_id in ids]

    def _entry(self, rep_id: str) -> tuple[Rep, str]:
        rep, manager = self.reps[(self.tenant_id, rep_id)]
        open_leads = self.counts.get((self.tenant_id, rep_id), {}).get("open_leads", 0)
        return replace(rep, open_leads=open_leads), manager

    def rep(self, rep_id: str) -> Rep | None:
        return self._entry(rep_id)[0] if (self.tenant_id, rep_id) in self.reps else None

    def manager_of(self, rep_id: str) -> str:
        return self._entry(rep_id)[1] if (self.tenant_id, rep_id) in self.reps else ""

    def upsert_rep(self, rep: Rep, manager_id: str) -> None:
        self.reps[(self.tenant_id, rep.id)] = (replace(rep, open_leads=0), manager_id)
        self.counts.setdefault((self.tenant_id, rep.id), {"open_leads": 0, "pending": []})

    def _move(self, rep_id: str, delta: int) -> None:
        """Open leads are counted beside the reservations (outside the transaction),
        so a count this transaction moved is moved back if it does not commit."""
        counts = self.counts[(self.tenant_id, rep_id)]
        counts["open_leads"] += delta
        self.tx.on_rollback(lambda: counts.__setitem__("open_leads", counts["open_leads"] - delta))

    def add_open_lead(self, rep_id: str) -> None:
        if self.rep(rep_id) is not None:
            self._move(rep_id, 1)

    def free_slot(self, rep_id: str) -> None:
        rep = self.rep(rep_id)
        if rep is not None and rep.open_leads > 0:
            self._move(rep_id, -1)

    def move_open_leads(self, rep_id: str, delta: int) -> None:
        if delta and self.rep(rep_id) is not None:
            self._move(rep_id, delta)


class MemorySlots(HeldSlots):
    """Turns and slots outside any transaction, as `lead.config_store.Reservations`."""

    def __init__(self, uow: MemoryUnitOfWork, tenant_id: str) -> None:
        self.uow = uow
        self.tenant_id = tenant_id
        self.counts = uow.outside("rep_slots")
        self.turns = uow.outside("turn_counters")
        super().__init__()

    def draw_turns(self, groups: list[str]) -> dict[str, int]:
        with self.uow.lock:
            drawn = {}
            for group in groups:
                key = (self.tenant_id, group)
                self.turns[key] = self.turns.get(key, 0) + 1
                drawn[group] = self.turns[key]
            return drawn

    def reserve(self, rep_id: str, capacity: int, lead_id: str, now: datetime) -> bool:
        with self.uow.lock:
            entry = self.uow.tables.get("reps", {}).get((self.tenant_id, rep_id))
            counts = self.counts.get((self.tenant_id, rep_id))
            if entry is None or counts is None:
                return False
            rep = entry[0]
            if not rep.active or rep.away or counts["open_leads"] >= capacity:
                return False
            counts["open_leads"] += 1
            counts["pending"].append({"lead_id": lead_id, "at": now})
            self.held.append((rep_id, lead_id))
            return True

    def keep(self, rep_id: str, lead_ids: list[str]) -> None:
        with self.uow.lock:
            counts = self.counts.get((self.tenant_id, rep_id))
            if counts is not None:
                counts["pending"] = [p for p in counts["pending"] if p["lead_id"] not in lead_ids]

    def release(self, rep_id: str, lead_id: str) -> bool:
        with self.uow.lock:
            counts = self.counts.get((self.tenant_id, rep_id))
            if counts is None or not any(p["lead_id"] == lead_id for p in counts["pending"]):
                return False
            counts["open_leads"] -= 1
            counts["pending"] = [p for p in counts["pending"] if p["lead_id"] != lead_id]
            return True

    def turns_now(self, groups: list[str]) -> dict[str, int]:
        with self.uow.lock:
            return {
                g: self.turns[(self.tenant_id, g)]
                for g in groups
                if (self.tenant_id, g) in self.turns
            }

    def add_turns(self, used: Mapping[str, int]) -> None:
        with self.uow.lock:
            for group, turns in used.items():
                key = (self.tenant_id, group)
                self.turns[key] = self.turns.get(key, 0) + turns
