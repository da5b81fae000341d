"""Who may do what: the role x action matrix of the whole platform, and the data scope
each role sees. The one place authorisation rules live; routes only name their action.

Actions read `<resource>:<verb>`. The matrix covers every service's use cases as
DOMAIN.md describes them, including those whose routes do not exist yet, so that a new
route picks its action from here instead of inventing a rule. Services enforce the data
scope (own / team / all) again on their side, so "a rep cannot change another rep's
deal" holds even if a gateway rule were wrong: a rep may `opportunity:update`, and the
opportunity service only finds deals the rep owns.
"""

from __future__ import annotations

from collections.abc import Iterable

ADMIN = "admin"
DIRECTOR = "sales_director"
MANAGER = "sales_manager"
REP = "sales_rep"
MARKETING = "marketing"
LEGAL = "legal"
FINANCE = "finance"
AFTER_SALES = "after_sales"
INTEGRATION = "integration"

ROLES = (ADMIN, DIRECTOR, MANAGER, REP, MARKETING, LEGAL, FINANCE, AFTER_SALES, INTEGRATION)
SALES = (DIRECTOR, MANAGER, REP)
PEOPLE = tuple(r for r in ROLES if r != INTEGRATION)
EVERYONE = ROLES

# What part of the tenant's records a role sees. A person with several roles sees the
# widest of them. Managers see their team (the team they belong to and manage).
ROLE_SCOPES = {
    ADMIN: "all",
    DIRECTOR: "all",
    MANAGER: "team",
    REP: "own",
    MARKETING: "all",
    LEGAL: "all",
    FINANCE: "all",
    AFTER_SALES: "all",
    INTEGRATION: "all",
}
_WIDTH = {"own": 0, "team": 1, "all": 2}


def _roles(*groups: str | Iterable[str]) -> frozenset[str]:
    found: set[str] = set()
    for group in groups:
        found.update([group] if isinstance(group, str) else group)
    return frozenset(found)


MATRIX: dict[str, frozenset[str]] = {
    # Gateway: identity, keys, audit (tenant admins manage their tenant's people).
    "self:read": _roles(EVERYONE),
    "self:change_password": _roles(PEOPLE),
    "tenant:read": _roles(EVERYONE),
    "role:read": _roles(EVERYONE),
    "user:read": _roles(ADMIN, DIRECTOR, MANAGER),
    "user:manage": _roles(ADMIN),
    "team:read": _roles(ADMIN, SALES, MARKETING),
    "team:manage": _roles(ADMIN, DIRECTOR),
    "api_key:manage": _roles(ADMIN),
    "audit:read": _roles(ADMIN),
    # Lead service: capture, dedup, scoring, assignment, pool, follow-ups, lifecycle.
    "lead:create": _roles(ADMIN, SALES, MARKETING, INTEGRATION),
    "lead:read": _roles(ADMIN, SALES, MARKETING, AFTER_SALES, INTEGRATION),
    "lead:update": _roles(SALES, MARKETING, INTEGRATION),
    "lead:import": _roles(ADMIN, DIRECTOR, MANAGER, MARKETING, INTEGRATION),
    # A whole list as a file; not reps: a list leaves the company with whoever has it.
    "lead:export": _roles(ADMIN, DIRECTOR, MANAGER, MARKETING, INTEGRATION),
    "lead:check_duplicates": _roles(ADMIN, SALES, MARKETING, INTEGRATION),
    "lead:merge": _roles(ADMIN, DIRECTOR, MANAGER),
    "lead:assign": _roles(DIRECTOR, MANAGER),
    "lead:release": _roles(SALES),
    "lead:claim": _roles(MANAGER, REP),
    "lead:pool_read": _roles(ADMIN, SALES, MARKETING),
    "lead:follow_up": _roles(SALES),
    "lead:change_status": _roles(SALES),
    "lead:convert": _roles(SALES),
    "lead:configure": _roles(ADMIN, DIRECTOR),  # assignment rules, SLA, pool, custom fields
    # Public web forms that capture leads (marketing runs the campaigns they belong to).
    "lead_form:read": _roles(ADMIN, DIRECTOR, MARKETING),
    "lead_form:manage": _roles(ADMIN, MARKETING),
    # Opportunity service: accounts, contacts, pipelines, deals, approvals, quotes.
    "account:read": _roles(ADMIN, SALES, MARKETING, LEGAL, FINANCE, AFTER_SALES, INTEGRATION),
    "account:create": _roles(SALES, INTEGRATION),
    "account:update": _roles(SALES, AFTER_SALES, INTEGRATION),
    "contact:read": _roles(ADMIN, SALES, MARKETING, LEGAL, FINANCE, AFTER_SALES, INTEGRATION),
    "contact:create": _roles(SALES, AFTER_SALES, INTEGRATION),
    "contact:update": _roles(SALES, AFTER_SALES, INTEGRATION),
    "pipeline:read": _roles(PEOPLE, INTEGRATION),
    "pipeline:manage": _roles(ADMIN, DIRECTOR),
    "opportunity:read": _roles(ADMIN, SALES, LEGAL, FINANCE, AFTER_SALES, INTEGRATION),
    "opportunity:create": _roles(SALES),
    "opportunity:update": _roles(SALES),
    "opportunity:change_stage": _roles(SALES),
    "opportunity:close": _roles(SALES),  # won, lost, reopen
    "opportunity:follow_up": _roles(SALES),
    "opportunity:approve": _roles(DIRECTOR),  # stage changes above the tenant's threshold
    "opportunity:approvals_read": _roles(ADMIN, SALES),
    "quote:read": _roles(ADMIN, SALES, LEGAL, FINANCE),
    "quote:create": _roles(SALES),
    "quote:issue": _roles(SALES),
    "customer360:read": _roles(ADMIN, SALES, LEGAL, FINANCE, AFTER_SALES),
    # Contract service: templates, drafts, approval chain, signature, orders.
    "contract_template:read": _roles(ADMIN, SALES, LEGAL, FINANCE),
    "contract_template:manage": _roles(ADMIN, LEGAL),
    "contract:read": _roles(ADMIN, SALES, LEGAL, FINANCE, AFTER_SALES, INTEGRATION),
    "contract:draft": _roles(SALES, LEGAL),
    "contract:update": _roles(SALES, LEGAL),
    "contract:submit": _roles(SALES, LEGAL),
    # Legal, finance and the general manager (the director here) approve; an OA system
    # reports a decision with a key that carries the deciding role.
    "contract:approve": _roles(LEGAL, FINANCE, DIRECTOR),
    "contract:sign": _roles(SALES, LEGAL, INTEGRATION),  # manual or e-signature callback
    "contract:amend": _roles(SALES, LEGAL),
    "contract:close": _roles(SALES, LEGAL),  # complete, or terminate with a reason
    "approval_policy:read": _roles(ADMIN, DIRECTOR, LEGAL, FINANCE),
    "approval_policy:manage": _roles(ADMIN, LEGAL),
    "order:read": _roles(ADMIN, SALES, LEGAL, FINANCE, AFTER_SALES, INTEGRATION),
    "order:update_status": _roles(AFTER_SALES, INTEGRATION),  # delivery / ERP progress
    # Payment service: plans, receivables, receipts, reconciliation, dunning. Only
    # finance records money; a finance system's key carries the finance role.
    "payment_plan:read": _roles(ADMIN, SALES, FINANCE, INTEGRATION),
    "payment_plan:create": _roles(FINANCE),
    "receivable:read": _roles(ADMIN, SALES, FINANCE, INTEGRATION),
    "receivable:milestone": _roles(SALES, FINANCE),  # acceptance, delivery... reached
    "receivable:write_off": _roles(FINANCE),
    "receivable:dispute": _roles(SALES, FINANCE),  # the customer contests; resolved
    "receipt:read": _roles(ADMIN, DIRECTOR, FINANCE, INTEGRATION),
    "receipt:record": _roles(FINANCE),
    "receipt:reconcile": _roles(FINANCE),  # match, unmatch, auto-reconcile
    "dunning:read": _roles(DIRECTOR, MANAGER, FINANCE),
    "dunning:manage": _roles(FINANCE),
    # Notification service: each person's inbox and subscriptions; integrations' webhooks.
    "notification:read": _roles(EVERYONE),
    "notification:mark_read": _roles(EVERYONE),
    "subscription:read": _roles(PEOPLE),
    "subscription:manage": _roles(PEOPLE),
    "webhook:read": _roles(ADMIN, INTEGRATION),
    "webhook:manage": _roles(ADMIN, INTEGRATION),
    "email_settings:read": _roles(ADMIN),
    "email_settings:manage": _roles(ADMIN),
    "email_message:read": _roles(ADMIN),
    "chat_robot:read": _roles(ADMIN),
    "chat_robot:manage": _roles(ADMIN),
    # Analytics service: read models; targets are set by sales leadership.
    "analytics:read": _roles(ADMIN, SALES, MARKETING, INTEGRATION),
    "analytics:cash_read": _roles(ADMIN, DIRECTOR, FINANCE),
    "target:read": _roles(ADMIN, SALES),
    "target:manage": _roles(DIRECTOR, MANAGER),
}

# Actions anyone may call without a credential: how a credential is obtained, and a
# public web form's submission (its form key names the tenant; ADR 15).
PUBLIC_ACTIONS = frozenset({"auth:sign_in", "auth:refresh", "auth:sign_out", "lead_form:submit"})


def allowed(roles: Iterable[str], action: str) -> bool:
    """Whether any of `roles` may perform `action`. Unknown actions are denied."""
    permitted = MATRIX.get(action)
    return permitted is not None and any(role in permitted for role in roles)


def within_scopes(scopes: Iterable[str], action: str) -> bool:
    """Whether a credential's scopes (`*`, `lead:*`, `lead:create`) cover `action`.
    Any credential may read what it is (`self:read`), so a client can find out."""
    if action == "self:read":
        return True
    resource = action.split(":", 1)[0]
    return any(s in ("*", action, f"{resource}:*") for s in scopes)


def valid_scope(scope: str) -> bool:
    if scope == "*" or scope in MATRIX:
        return True
    resource, _, verb = scope.partition(":")
    return verb == "*" and any(a.startswith(f"{resource}:") for a in MATRIX)


def data_scope(roles: Iterable[str]) -> str:
    """The widest data scope of `roles`; `own` when none is known."""
    scopes = [ROLE_SCOPES[r] for r in roles if r in ROLE_SCOPES]
    return max(scopes, key=_WIDTH.__getitem__, default="own")


def actions_of(roles: Iterable[str]) -> list[str]:
    roles = list(roles)
    return sorted(action for action in MATRIX if allowed(roles, action))


def roles_for(action: str) -> list[str]:
    return [r for r in ROLES if r in MATRIX.get(action, ())]
