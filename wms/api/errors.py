"""One mapping from errors to the contract's error body."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from wms.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, Unauthorized, kind_of
from wms.uniques import duplicate_of

STATUS = {NotFound: 404, Conflict: 409, InvalidInput: 422, Unauthorized: 401, Forbidden: 403}
STATUS_OF_KIND = {cls.code: status for cls, status in STATUS.items()}
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
}


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": code.replace("_", " ")}
    for status, code in HTTP_CODES.items()
    if status in (400, 401, 403, 404, 409, 422)
}


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": jsonable_encoder(details)}}
    return JSONResponse(body, status_code=status, headers=headers)


def validation_error(errors: Iterable[Mapping[str, Any]], prefix: Sequence[str | int] = ()) -> dict[str, Any]:
    """The error of a request that failed validation, the same in a single push and in a bulk one:
    ``details`` lists every error as ``{type, loc, msg}`` with ``loc`` from the top of the request
    (``prefix`` places a part of it, e.g. ``("body", "orders", 3)``); ``message`` names the first."""
    details = [{"type": e["type"], "loc": [*prefix, *e["loc"]], "msg": e["msg"]} for e in errors]
    first = details[0] if details else {"loc": list(prefix), "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"])
    return {"code": "validation_error", "message": f"{where}: {first['msg']}", "details": details}


def malformed_json(error: Mapping[str, Any], document: Any) -> dict[str, Any]:
    """The error of a body that is not JSON, with where the parser stopped (line and column from 1)."""
    position = error["loc"][-1] if isinstance(error["loc"][-1], int) else 0
    text = document if isinstance(document, str) else ""
    line = text.count("\n", 0, position) + 1
    column = position - text.rfind("\n", 0, position)
    reason = (error.get("ctx") or {}).get("error") or error["msg"]
    return {
        "code": "malformed_json",
        "message": f"the body is not valid JSON: {reason} at line {line}, column {column}",
        "details": {"line": line, "column": column, "position": position},
    }


def status_of(exc: DomainError) -> int:
    return status_of_kind(kind_of(exc))


def status_of_kind(kind: str) -> int:
    """The status of a refusal of this kind (``wms.errors.kind_of``), e.g. one stored in a bulk push job."""
    return STATUS_OF_KIND.get(kind, 400)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        status = status_of(exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return error_response(status, exc.code, exc.message, exc.details, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if errors and errors[0]["type"] == "json_invalid":
            return error_response(400, **malformed_json(errors[0], exc.body))
        return error_response(422, **validation_error(errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "error")
        return error_response(exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(DataError)
    async def _data(_: Request, exc: DataError) -> JSONResponse:
        # the database refused a value the schema let through (e.g. a NUL character)
        return error_response(422, "invalid_value", "a value in the request cannot be stored or searched for")

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # a unique violation outside UnitOfWork.run (which turns it into a Duplicate itself); any other
        # integrity error is a failure of the service, answered by wms.api.failures (500)
        duplicate = duplicate_of(exc)
        if duplicate is None:
            raise exc
        return await _domain(request, duplicate)
