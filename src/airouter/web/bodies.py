"""Request bodies: parsed once (orjson), validated once (pydantic), where input enters."""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from airouter.errors import InvalidRequest
from airouter.web.context import BODY_KEY
from airouter.web.errors import validation_message

M = TypeVar("M", bound=BaseModel)


async def read_json(request: Request) -> Any:
    read = request.scope.get(BODY_KEY)  # the edge read it already (airouter.web.edge)
    try:
        return orjson.loads(read if read is not None else await request.body())
    except orjson.JSONDecodeError:
        raise InvalidRequest("request body is not valid JSON") from None


def validated(model: type[M], data: Any) -> M:
    """`data` as `model`, or a 400 naming every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidRequest(validation_message(exc.errors())) from None


async def read_body(request: Request, model: type[M]) -> tuple[M, dict[str, Any]]:
    """The validated body and the parsed JSON object it came from.

    Handlers forward parts of the raw object (the messages) as the caller sent them,
    instead of re-serialising the validated models.
    """
    data = await read_json(request)
    if not isinstance(data, dict):
        raise InvalidRequest("request body must be a JSON object")
    return validated(model, data), data
