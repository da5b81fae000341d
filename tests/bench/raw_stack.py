"""The raw stack the lead capture benchmark compares against: the same layers with no
product in them. Benchmark harness only; never part of the platform.

    python tests/bench/raw_stack.py grpc --port P --mongo-uri URI
    python tests/bench/raw_stack.py http --port P --grpc 127.0.0.1:P

- `grpc`: a grpcio server (thread pool of 16, as the services' `serve()`) with two unary
  methods, each doing one pymongo write: `InsertLead`, one `insert_one` into
  `crm_bench_raw.leads`; `SetDealStage`, one `update_one` (upsert) by `_id` in
  `crm_bench_raw.deals`. No interceptors, no principal, no transaction, no outbox, no
  indexes beyond `_id`.
- `http`: a FastAPI app served by uvicorn with the gateway's settings, with two routes
  that parse the same JSON bodies as the product's and make that gRPC call over one
  grpc.aio channel: `POST /raw/leads` (as `POST /v1/leads`) and
  `POST /raw/deals/{id}/stage` (as `POST /v1/opportunities/{id}/stage`). No
  authentication, no rate limit, no audit.

The messages are the services' own (`LeadInput` in, `Lead` out; `ChangeStageRequest` in,
`ChangeStageResponse` out), so both paths encode and decode the same protobufs.
"""

from __future__ import annotations

import argparse
import signal
import threading
import uuid
from concurrent import futures
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import grpc
from crm.lead.v1 import lead_pb2 as pb
from crm.opportunity.v1 import opportunity_pb2 as opp_pb
from google.protobuf import json_format
from pydantic import BaseModel, ConfigDict

SERVICE = "crm.bench.v1.RawStack"
INSERT_LEAD, SET_DEAL_STAGE = f"/{SERVICE}/InsertLead", f"/{SERVICE}/SetDealStage"
DATABASE = "crm_bench_raw"


def serve_grpc(port: int, uri: str) -> None:
    from pymongo import MongoClient

    client: MongoClient[dict[str, Any]] = MongoClient(uri, tz_aware=True, appname="bench-raw")
    leads, deals = client[DATABASE]["leads"], client[DATABASE]["deals"]

    def insert_lead(request: pb.LeadInput, context: grpc.ServicerContext) -> pb.Lead:
        doc: dict[str, Any] = json_format.MessageToDict(request, preserving_proto_field_name=True)
        doc.update(_id=str(uuid.uuid4()), tenant_id="raw", created_at=datetime.now(UTC))
        leads.insert_one(doc)
        return pb.Lead(id=doc["_id"], **{k: v for k, v in doc.items() if k in _LEAD_FIELDS})

    def set_deal_stage(
        request: opp_pb.ChangeStageRequest, context: grpc.ServicerContext
    ) -> opp_pb.ChangeStageResponse:
        now = datetime.now(UTC)
        deals.update_one(
            {"_id": request.id},
            {"$set": {"stage": request.to_stage, "stage_entered_at": now, "note": request.note}},
            upsert=True,
        )
        deal = opp_pb.Opportunity(id=request.id, stage=request.to_stage)
        deal.stage_entered_at.FromDatetime(now)
        return opp_pb.ChangeStageResponse(
            outcome=opp_pb.CHANGE_STAGE_OUTCOME_APPLIED, opportunity=deal
        )

    handlers = {
        "InsertLead": grpc.unary_unary_rpc_method_handler(
            insert_lead,
            request_deserializer=pb.LeadInput.FromString,
            response_serializer=pb.Lead.SerializeToString,
        ),
        "SetDealStage": grpc.unary_unary_rpc_method_handler(
            set_deal_stage,
            request_deserializer=opp_pb.ChangeStageRequest.FromString,
            response_serializer=opp_pb.ChangeStageResponse.SerializeToString,
        ),
    }
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=16), options=[("grpc.so_reuseport", 0)]
    )
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(SERVICE, handlers)])
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    stopping.wait()
    server.stop(5).wait()


class RawLead(BaseModel):
    """The shape of POST /v1/leads' body, without its field rules."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: str
    company: str = ""
    phone: str = ""
    email: str = ""
    source: str
    owner_id: str = ""
    region: str = ""
    industry: str = ""
    product_line: str = ""
    tags: list[str] = []
    notes: str = ""


class RawArtefact(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    kind: str
    name: str = ""
    file_uri: str


class RawStageChange(BaseModel):
    """The shape of POST /v1/opportunities/{id}/stage's body, without its rules."""

    model_config = ConfigDict(extra="forbid", strict=True)
    to_stage: str
    artefacts: list[RawArtefact] = []
    note: str = ""


_LEAD_FIELDS = ("name", "company", "phone", "email", "source", "region", "industry", "tags")


def serve_http(port: int, grpc_address: str) -> None:
    import uvicorn
    from fastapi import FastAPI

    channel: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        channel["grpc"] = grpc.aio.insecure_channel(grpc_address)
        channel["insert"] = channel["grpc"].unary_unary(
            INSERT_LEAD,
            request_serializer=pb.LeadInput.SerializeToString,
            response_deserializer=pb.Lead.FromString,
        )
        channel["stage"] = channel["grpc"].unary_unary(
            SET_DEAL_STAGE,
            request_serializer=opp_pb.ChangeStageRequest.SerializeToString,
            response_deserializer=opp_pb.ChangeStageResponse.FromString,
        )
        yield
        await channel["grpc"].close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/raw/leads", status_code=201)
    async def insert(body: RawLead) -> dict[str, Any]:
        lead = await channel["insert"](pb.LeadInput(**body.model_dump()), timeout=5)
        return json_format.MessageToDict(lead, preserving_proto_field_name=True)

    @app.post("/raw/deals/{deal_id}/stage")
    async def set_stage(deal_id: str, body: RawStageChange) -> dict[str, Any]:
        request = opp_pb.ChangeStageRequest(
            id=deal_id,
            to_stage=body.to_stage,
            artefacts=[opp_pb.ArtefactInput(**a.model_dump()) for a in body.artefacts],
            note=body.note,
        )
        changed = await channel["stage"](request, timeout=5)
        return json_format.MessageToDict(changed, preserving_proto_field_name=True)

    uvicorn.run(  # the gateway's settings (gateway/main.py)
        app,
        host="0.0.0.0",
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("layer", choices=("grpc", "http"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mongo-uri", default="")
    parser.add_argument("--grpc", default="", help="address of the raw gRPC server")
    args = parser.parse_args()
    if args.layer == "grpc":
        serve_grpc(args.port, args.mongo_uri)
    else:
        serve_http(args.port, args.grpc)


if __name__ == "__main__":
    main()
