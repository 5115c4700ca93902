"""The base of the API's response models: closed to undeclared fields, and true to the stored item."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from pydantic import BaseModel, ConfigDict, GetJsonSchemaHandler, SerializerFunctionWrapHandler, model_serializer
from pydantic_core import CoreSchema


class ResponseModel(BaseModel):
    """A response shape. Fields the stored item has but the model does not declare are left out
    (so the OpenAPI document is exactly what is sent); an optional field the item lacks is absent,
    not null, unless it is named in `always_sent` (sent as null). Its JSON schema is the declared
    fields, in both directions."""

    model_config = ConfigDict(extra="ignore", defer_build=True)
    always_sent: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _as_stored(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        declared = type(self).model_fields
        return {
            k: v
            for k, v in handler(self).items()
            if k in self.model_fields_set or k in self.always_sent or k not in declared
        }

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        fields_only = cast(CoreSchema, {k: v for k, v in schema.items() if k != "serialization"})
        return handler(fields_only)


class DeferredModel(BaseModel):
    """A plain model (no `ResponseModel` filtering) whose validator is built on first use rather than at
    import (decision 0410): one invocation serves one route, so only that route's models are built."""

    model_config = ConfigDict(defer_build=True)
