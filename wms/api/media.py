"""Request bodies are JSON: a body sent as anything else (or with no Content-Type) is refused with 415,
one that is not UTF-8 text with 400 ``malformed_json``.

Without this, ``curl -d`` (``application/x-www-form-urlencoded``) gets a puzzling "Input should be a
valid dictionary". A request without a body needs no Content-Type.
"""

from __future__ import annotations

from email.message import Message

from fastapi import Request
from fastapi.responses import JSONResponse

from wms.api.errors import error_response, validation_error

# the 415 of the OpenAPI document (ErrorBody is among its schemas: every error response uses it)
UNSUPPORTED = {
    "description": "unsupported media type: a body that is not `application/json`",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
}


def is_json(content_type: str | None) -> bool:
    """``application/json`` or an ``application/*+json`` type, with any parameters (charset)."""
    if not content_type:
        return False
    message = Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


async def refuse_non_json(request: Request) -> JSONResponse | None:
    """A 415 for a request whose body is not declared JSON, a 400 for one that is not UTF-8 text;
    None when it may go on."""
    content_type = request.headers.get("content-type")
    body = await request.body()
    if not body:
        return None
    if is_json(content_type):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            return error_response(
                400,
                "malformed_json",
                f"the body is not valid JSON: it is not UTF-8 text (byte {exc.start})",
                {"position": exc.start},
            )
        return None
    sent = f"Content-Type {content_type!r}" if content_type else "no Content-Type"
    return error_response(
        415,
        "unsupported_media_type",
        f"request bodies are JSON: send 'Content-Type: application/json' (got {sent})",
        {"content_type": content_type},
    )


def refuse_unknown_query(request: Request, known: frozenset[str]) -> JSONResponse | None:
    """A 422 for query parameters the operation does not have (a misspelt filter is not silently ignored)."""
    unknown = sorted(set(request.query_params) - known)
    if not unknown:
        return None
    return error_response(
        422,
        **validation_error(
            [
                {"type": "unknown_parameter", "loc": ("query", name), "msg": "this operation has no such parameter"}
                for name in unknown
            ]
        ),
    )
