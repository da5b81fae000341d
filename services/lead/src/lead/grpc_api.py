"""LeadService servicer: proto in -> use case -> proto out. Errors are mapped by the
shared runtime's interceptor; nothing here catches them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm.common.v1 import common_pb2
from crm.lead.v1 import lead_pb2 as pb
from crm.lead.v1 import lead_pb2_grpc
from crm_runtime.clock import utcnow
from crm_runtime.errors import FieldViolation, ValidationFailed
from crm_runtime.principal import current_principal
from crm_runtime.rpc.protojson import struct_to_dict
from crm_runtime.storage.mongo import UnitOfWork
from google.protobuf import struct_pb2

from lead import grpc_convert as convert
from lead.app import LeadApp
from lead.domain.dedup import Match
from lead.domain.lead import LeadStatus
from lead.edits import LeadEditApp
from lead.imports import grpc_convert as import_convert
from lead.imports.use_cases import ImportApp
from lead.mongo_storage import MongoLeadStorage
from lead.ports import LeadStorage
from lead.tenant_config import LeadConfigApp

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["LeadService"].full_name


@dataclass(frozen=True)
class LeadApps:
    leads: LeadApp
    config: LeadConfigApp
    edits: LeadEditApp
    imports: ImportApp

    @classmethod
    def build(cls, uow: UnitOfWork) -> LeadApps:
        return cls.on(MongoLeadStorage(uow))

    @classmethod
    def on(cls, storage: LeadStorage, clock: Callable[[], datetime] = utcnow) -> LeadApps:
        return cls(
            LeadApp(storage, clock),
            LeadConfigApp(storage),
            LeadEditApp(storage, clock),
            ImportApp(storage, clock),
        )


def _page(next_cursor: str) -> common_pb2.PageResponse:
    return common_pb2.PageResponse(next_cursor=next_cursor)


def _matches(matches: Iterable[Match]) -> list[pb.DuplicateMatch]:
    return [
        pb.DuplicateMatch(lead_id=m.lead_id, matched_on=",".join(m.matched_on)) for m in matches
    ]


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


class LeadServicer(lead_pb2_grpc.LeadServiceServicer):
    def __init__(self, apps: LeadApps) -> None:
        self.leads = apps.leads
        self.config = apps.config
        self.edits = apps.edits
        self.imports = apps.imports

    def CreateLead(self, request: pb.CreateLeadRequest, context: Any) -> pb.CreateLeadResponse:
        captured = self.leads.create(current_principal(), convert.draft_from_proto(request.lead))
        return pb.CreateLeadResponse(
            lead=convert.lead_to_proto(captured.lead),
            outcome=captured.outcome,
            duplicates=_matches(captured.duplicates),
        )

    def GetLead(self, request: pb.GetLeadRequest, context: Any) -> pb.GetLeadResponse:
        return pb.GetLeadResponse(
            lead=convert.lead_to_proto(self.leads.get(current_principal(), request.id))
        )

    def UpdateLead(self, request: pb.UpdateLeadRequest, context: Any) -> pb.UpdateLeadResponse:
        lead = self.edits.update(
            current_principal(),
            request.id,
            convert.draft_from_proto(request.lead),
            request.update_mask,
            request.expected_version,
        )
        return pb.UpdateLeadResponse(lead=convert.lead_to_proto(lead))

    def CheckDuplicates(
        self, request: pb.CheckDuplicatesRequest, context: Any
    ) -> pb.CheckDuplicatesResponse:
        matches = self.edits.check_duplicates(
            current_principal(), convert.draft_from_proto(request.lead)
        )
        return pb.CheckDuplicatesResponse(matches=_matches(matches))

    def MarkLeadConverted(
        self, request: pb.MarkLeadConvertedRequest, context: Any
    ) -> pb.MarkLeadConvertedResponse:
        lead = self.edits.mark_converted(
            current_principal(),
            request.id,
            account_id=request.account_id,
            contact_id=request.contact_id,
            opportunity_id=request.opportunity_id,
        )
        return pb.MarkLeadConvertedResponse(lead=convert.lead_to_proto(lead))

    def ListLeads(self, request: pb.ListLeadsRequest, context: Any) -> pb.ListLeadsResponse:
        query = convert.query_from_proto(request.filter, request.page.limit, request.page.cursor)
        leads, cursor = self.leads.page(current_principal(), query)
        return pb.ListLeadsResponse(
            leads=[convert.lead_to_proto(x) for x in leads], page=_page(cursor)
        )

    def ListPool(self, request: pb.ListPoolRequest, context: Any) -> pb.ListPoolResponse:
        query = convert.query_from_proto(request.filter, request.page.limit, request.page.cursor)
        leads, cursor = self.leads.pool_page(current_principal(), query)
        return pb.ListPoolResponse(
            leads=[convert.lead_to_proto(x) for x in leads], page=_page(cursor)
        )

    def MergeLeads(self, request: pb.MergeLeadsRequest, context: Any) -> pb.MergeLeadsResponse:
        lead = self.leads.merge(
            current_principal(), request.survivor_id, request.merged_id, request.expected_version
        )
        return pb.MergeLeadsResponse(lead=convert.lead_to_proto(lead))

    def AssignLead(self, request: pb.AssignLeadRequest, context: Any) -> pb.AssignLeadResponse:
        lead = self.leads.assign(
            current_principal(),
            request.id,
            request.owner_id,
            request.reason,
            request.expected_version,
        )
        return pb.AssignLeadResponse(lead=convert.lead_to_proto(lead))

    def ReleaseLeadToPool(
        self, request: pb.ReleaseLeadToPoolRequest, context: Any
    ) -> pb.ReleaseLeadToPoolResponse:
        lead = self.leads.release(
            current_principal(), request.id, request.reason, request.expected_version
        )
        return pb.ReleaseLeadToPoolResponse(lead=convert.lead_to_proto(lead))

    def ClaimLead(self, request: pb.ClaimLeadRequest, context: Any) -> pb.ClaimLeadResponse:
        return pb.ClaimLeadResponse(
            lead=convert.lead_to_proto(
                self.leads.claim(current_principal(), request.id, request.expected_version)
            )
        )

    def ChangeLeadStatus(
        self, request: pb.ChangeLeadStatusRequest, context: Any
    ) -> pb.ChangeLeadStatusResponse:
        name = convert.status_from_proto(request.status)
        if not name:
            raise ValidationFailed([FieldViolation("status", "is required")])
        lead = self.leads.change_status(
            current_principal(),
            request.id,
            LeadStatus(name),
            request.reason,
            request.expected_version,
        )
        return pb.ChangeLeadStatusResponse(lead=convert.lead_to_proto(lead))

    def LogFollowUp(self, request: pb.LogFollowUpRequest, context: Any) -> pb.LogFollowUpResponse:
        follow_up = self.leads.log_follow_up(
            current_principal(), request.lead_id, convert.follow_up_draft(request)
        )
        return pb.LogFollowUpResponse(follow_up=convert.follow_up_to_proto(follow_up))

    def ListFollowUps(
        self, request: pb.ListFollowUpsRequest, context: Any
    ) -> pb.ListFollowUpsResponse:
        items, cursor = self.leads.follow_ups(
            current_principal(), request.lead_id, request.page.limit, request.page.cursor
        )
        return pb.ListFollowUpsResponse(
            follow_ups=[convert.follow_up_to_proto(f) for f in items], page=_page(cursor)
        )

    def GetLeadSettings(
        self, request: pb.GetLeadSettingsRequest, context: Any
    ) -> pb.GetLeadSettingsResponse:
        settings = self.config.settings(current_principal())
        return pb.GetLeadSettingsResponse(
            settings=_struct(settings.value), version=settings.version
        )

    def UpdateLeadSettings(
        self, request: pb.UpdateLeadSettingsRequest, context: Any
    ) -> pb.UpdateLeadSettingsResponse:
        overrides = struct_to_dict(request.overrides)
        settings = self.config.update_settings(
            current_principal(), overrides, request.expected_version
        )
        return pb.UpdateLeadSettingsResponse(
            settings=_struct(settings.value), version=settings.version
        )

    def ListAssignmentRules(
        self, request: pb.ListAssignmentRulesRequest, context: Any
    ) -> pb.ListAssignmentRulesResponse:
        rules = self.config.rules(current_principal())
        return pb.ListAssignmentRulesResponse(
            rules=[convert.rule_to_proto(r) for r in rules.value], version=rules.version
        )

    def ReplaceAssignmentRules(
        self, request: pb.ReplaceAssignmentRulesRequest, context: Any
    ) -> pb.ReplaceAssignmentRulesResponse:
        wanted = [convert.rule_from_proto(r) for r in request.rules]
        rules = self.config.replace_rules(current_principal(), wanted, request.expected_version)
        return pb.ReplaceAssignmentRulesResponse(
            rules=[convert.rule_to_proto(r) for r in rules.value], version=rules.version
        )

    def UpsertRep(self, request: pb.UpsertRepRequest, context: Any) -> pb.UpsertRepResponse:
        rep, manager = self.config.upsert_rep(
            current_principal(), convert.rep_from_proto(request.rep), request.rep.manager_id
        )
        return pb.UpsertRepResponse(rep=convert.rep_to_proto(rep, manager))

    def ListReps(self, request: pb.ListRepsRequest, context: Any) -> pb.ListRepsResponse:
        reps = self.config.reps(current_principal())
        return pb.ListRepsResponse(
            reps=[convert.rep_to_proto(rep, manager) for rep, manager in reps]
        )

    def ListCustomFieldDefinitions(
        self, request: pb.ListCustomFieldDefinitionsRequest, context: Any
    ) -> pb.ListCustomFieldDefinitionsResponse:
        schema = self.config.custom_fields(current_principal())
        return pb.ListCustomFieldDefinitionsResponse(
            fields=[convert.definition_to_proto(d) for d in schema.value.definitions],
            version=schema.version,
        )

    def ReplaceCustomFieldDefinitions(
        self, request: pb.ReplaceCustomFieldDefinitionsRequest, context: Any
    ) -> pb.ReplaceCustomFieldDefinitionsResponse:
        unknown = [
            FieldViolation(f"fields[{i}].type", "must be one of text, number, date, choice")
            for i, f in enumerate(request.fields)
            if convert.field_type_from_proto(f.type) is None
        ]
        if unknown:
            raise ValidationFailed(unknown)
        wanted = [convert.definition_from_proto(f) for f in request.fields]
        schema = self.config.replace_custom_fields(
            current_principal(), wanted, request.expected_version
        )
        return pb.ReplaceCustomFieldDefinitionsResponse(
            fields=[convert.definition_to_proto(d) for d in schema.value.definitions],
            version=schema.version,
        )

    # Bulk import (ADR 14) -------------------------------------------------------------

    def UploadImportChunk(
        self, request: pb.UploadImportChunkRequest, context: Any
    ) -> pb.UploadImportChunkResponse:
        size = self.imports.upload_chunk(
            current_principal(), request.upload_id, request.seq, request.data
        )
        return pb.UploadImportChunkResponse(upload_id=request.upload_id, seq=request.seq, size=size)

    def StartImport(self, request: pb.StartImportRequest, context: Any) -> pb.StartImportResponse:
        job = self.imports.start(current_principal(), import_convert.start_from_proto(request))
        return pb.StartImportResponse(job=import_convert.job_to_proto(job))

    def GetImport(self, request: pb.GetImportRequest, context: Any) -> pb.GetImportResponse:
        job = self.imports.get(current_principal(), request.id)
        return pb.GetImportResponse(job=import_convert.job_to_proto(job))

    def ListImports(self, request: pb.ListImportsRequest, context: Any) -> pb.ListImportsResponse:
        jobs, cursor = self.imports.page(
            current_principal(), request.page.limit, request.page.cursor
        )
        return pb.ListImportsResponse(
            jobs=[import_convert.job_to_proto(j) for j in jobs], page=_page(cursor)
        )

    def ListImportErrors(
        self, request: pb.ListImportErrorsRequest, context: Any
    ) -> pb.ListImportErrorsResponse:
        found = self.imports.errors(
            current_principal(), request.id, request.page.limit, request.page.cursor
        )
        return pb.ListImportErrorsResponse(
            headers=found.headers,
            rows=[import_convert.error_row_to_proto(r) for r in found.rows],
            page=_page(found.next_cursor),
        )


def register(apps: LeadApps) -> Any:
    def add(server: Any) -> list[str]:
        lead_pb2_grpc.add_LeadServiceServicer_to_server(LeadServicer(apps), server)
        return [SERVICE_NAME]

    return add
