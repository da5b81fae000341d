"""LeadService and OpportunityService on in-process gRPC servers over the embedded
MongoDB, each with its own database, the opportunity service calling the lead service
through its real client (ADR 17). Test modules load it with
`pytest_plugins = ["conversion_grpc_support"]`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from crm.lead.v1 import lead_pb2 as lpb
from crm.lead.v1 import lead_pb2_grpc
from crm.opportunity.v1 import opportunity_pb2_grpc
from crm_runtime.principal import Principal
from crm_runtime.testing.fixtures import settings_for
from crm_runtime.testing.inprocess import grpc_channel
from crm_runtime.wiring import build
from lead.grpc_api import LeadApps
from lead.grpc_api import register as register_lead
from lead.indexes import ensure_indexes as lead_indexes
from opportunity.apps import OpportunityApps
from opportunity.conversion.lead_client import LeadClient
from opportunity.conversion.use_cases import LeadDirectory
from opportunity.grpc_api import register
from opportunity.indexes import ensure_indexes

REP = Principal("t1", "rep-a", ("sales_rep",), "own")
ADMIN = Principal("t1", "admin", ("admin",), "all")
OTHER_TENANT = Principal("t2", "admin", ("admin",), "all")


@dataclass
class Stack:
    leads: lead_pb2_grpc.LeadServiceStub
    opportunities: opportunity_pb2_grpc.OpportunityServiceStub
    lead_client: LeadClient
    apps: OpportunityApps
    lead_db: Any
    db: Any
    lead_database: str
    database: str

    def qualified(self, **fields: Any) -> lpb.Lead:
        """A lead captured, assigned to rep-a, contacted and qualified."""
        admin = ADMIN.to_metadata()
        self.leads.UpsertRep(
            lpb.UpsertRepRequest(rep=lpb.Rep(id="rep-a", active=True)), metadata=admin
        )
        fields = {
            "name": "李雷",
            "company": "上海云图科技有限公司",
            "source": "web",
            "phone": "13800138000",
            **fields,
        }
        lead = self.leads.CreateLead(
            lpb.CreateLeadRequest(lead=lpb.LeadInput(**fields)), metadata=admin
        ).lead
        self.leads.AssignLead(lpb.AssignLeadRequest(id=lead.id, owner_id="rep-a"), metadata=admin)
        for status in (lpb.LEAD_STATUS_CONTACTED, lpb.LEAD_STATUS_QUALIFIED):
            lead = self.leads.ChangeLeadStatus(
                lpb.ChangeLeadStatusRequest(id=lead.id, status=status), metadata=REP.to_metadata()
            ).lead
        return lead

    def apps_with(self, wrap: Callable[[LeadDirectory], LeadDirectory]) -> OpportunityApps:
        """The opportunity use cases calling the lead service through `wrap`."""
        settings = settings_for("opportunity", "api", "", self.database)
        from crm_runtime.wiring import unit_of_work

        uow = unit_of_work(settings, self.db.client)
        return OpportunityApps.build(uow, wrap(self.lead_client))


@pytest.fixture
def stack(mongo_client, mongo_uri, database_name) -> Iterator[Stack]:
    lead_database = f"{database_name}_lead"
    lead_settings = settings_for("lead", "api", mongo_uri, lead_database, CRM_GRPC_HOST="127.0.0.1")
    lead_apps = build(lead_settings, mongo_client, lead_indexes, LeadApps.build)
    try:
        with grpc_channel(lead_settings, register_lead(lead_apps)) as lead_channel:
            client = LeadClient(lead_channel, 5.0)
            settings = settings_for(
                "opportunity", "api", mongo_uri, database_name, CRM_GRPC_HOST="127.0.0.1"
            )
            apps = build(
                settings,
                mongo_client,
                ensure_indexes,
                lambda uow: OpportunityApps.build(uow, client),
            )
            with grpc_channel(settings, register(apps)) as channel:
                yield Stack(
                    leads=lead_pb2_grpc.LeadServiceStub(lead_channel),
                    opportunities=opportunity_pb2_grpc.OpportunityServiceStub(channel),
                    lead_client=client,
                    apps=apps,
                    lead_db=mongo_client[lead_database],
                    db=mongo_client[database_name],
                    lead_database=lead_database,
                    database=database_name,
                )
    finally:
        mongo_client.drop_database(lead_database)
