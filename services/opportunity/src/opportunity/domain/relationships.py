"""Who reports to whom at an account: the relationship map (决策链), and the rule that
keeps it a forest: a reports-to link that would close a cycle is refused."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crm_runtime.errors import FieldViolation

from opportunity.domain.contact import Contact, ContactRole


def cycle_problem(
    contact_id: str, reports_to: str, links: Mapping[str, str]
) -> FieldViolation | None:
    """Why `contact_id` may not report to `reports_to`, given every contact's current
    link (contact id -> reports-to id) at the account; None when it may."""
    if not reports_to:
        return None
    if reports_to not in links:
        return FieldViolation("reports_to_contact_id", "names no contact of the same account")
    path = [contact_id]
    seen = {contact_id}
    current = reports_to
    while current:
        path.append(current)
        if current in seen:
            chain = " -> ".join(path)
            return FieldViolation("reports_to_contact_id", f"would make a reporting cycle: {chain}")
        seen.add(current)
        current = links.get(current, "")
    return None


@dataclass(frozen=True)
class Node:
    contact: Contact
    direct_report_ids: tuple[str, ...]
    depth: int


@dataclass(frozen=True)
class RelationshipMap:
    account_id: str
    nodes: tuple[Node, ...]  # each manager before their reports, siblings by name
    missing_roles: tuple[ContactRole, ...]


def relationship_map(account_id: str, contacts: Sequence[Contact]) -> RelationshipMap:
    by_id = {c.id: c for c in contacts}
    reports: dict[str, list[Contact]] = {c.id: [] for c in contacts}
    roots = []
    for contact in contacts:
        boss = contact.reports_to_contact_id
        if boss in by_id and boss != contact.id:
            reports[boss].append(contact)
        else:
            roots.append(contact)

    def order(items: list[Contact]) -> list[Contact]:
        return sorted(items, key=lambda c: (not c.primary, c.name, c.id))

    nodes: list[Node] = []
    placed: set[str] = set()
    # Every stored link passed the cycle check; `placed` still guards against a cycle
    # written some other way, so that the map never loops.
    stack = [(c, 0) for c in reversed(order(roots))]
    while stack:
        contact, depth = stack.pop()
        if contact.id in placed:
            continue
        placed.add(contact.id)
        children = order(reports[contact.id])
        nodes.append(Node(contact, tuple(c.id for c in children), depth))
        stack.extend((c, depth + 1) for c in reversed(children))
    nodes += [Node(c, (), 0) for c in order([c for c in contacts if c.id not in placed])]
    present = {c.role for c in contacts}
    missing = tuple(role for role in ContactRole if role.value not in present)
    return RelationshipMap(account_id, tuple(nodes), missing)
