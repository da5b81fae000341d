"""Every /v1 route declares its action through the one guard dependency."""

from typing import Annotated

import pytest
from crm_runtime.config import Settings
from fastapi import APIRouter, Depends, FastAPI
from gateway.access.authz import MATRIX, PUBLIC_ACTIONS
from gateway.access.guard import action_of, api_routes, authorize, public, undeclared_routes
from gateway.app import create_app
from gateway.identity.caller import Caller

APP = create_app(Settings.from_env("gateway", "gateway", {}))


def test_no_v1_route_lacks_an_action():
    assert undeclared_routes(APP) == []


def test_the_walk_sees_every_operation_of_the_document():
    operations = {
        (method.upper(), path)
        for path, item in APP.openapi()["paths"].items()
        for method in item
        if path.startswith("/v1/")
    }
    walked = {(m, str(r.path)) for r in api_routes(APP) for m in r.methods or ()}
    assert operations and operations <= walked


def test_every_declared_action_is_in_the_matrix_or_public():
    for route in api_routes(APP):
        if str(route.path).startswith("/v1/"):
            assert action_of(route) in set(MATRIX) | PUBLIC_ACTIONS, route.path


def test_a_route_without_an_action_is_reported():
    app = FastAPI()
    router = APIRouter(prefix="/v1/things")

    @router.get("")
    async def forgot() -> dict[str, str]:
        return {}

    @router.post("")
    async def declared(_c: Annotated[Caller, Depends(authorize("lead:create"))]) -> None:
        return None

    app.include_router(router)
    assert undeclared_routes(app) == ["['GET'] /v1/things"]


def test_two_different_actions_on_one_route_count_as_none():
    app = FastAPI()

    @app.get("/v1/twice", dependencies=[Depends(authorize("lead:read"))])
    async def twice(_c: Annotated[Caller, Depends(authorize("lead:create"))]) -> None:
        return None

    assert undeclared_routes(app) == ["['GET'] /v1/twice"]


def test_create_app_refuses_to_build_with_an_undeclared_route(monkeypatch):
    from gateway.routes import me

    @me.router.get("/undeclared-for-this-test")
    async def undeclared() -> None:
        return None

    try:
        with pytest.raises(RuntimeError, match="undeclared-for-this-test"):
            create_app(Settings.from_env("gateway", "gateway", {}))
    finally:
        me.router.routes.pop()


def test_unknown_actions_fail_at_import_time():
    with pytest.raises(ValueError, match="MATRIX"):
        authorize("lead:teleport")
    with pytest.raises(ValueError, match="PUBLIC_ACTIONS"):
        public("lead:read")
