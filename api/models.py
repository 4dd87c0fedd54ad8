"""Shapes the API adds around the graph's own answers: a page of a growing list, and the one JSON form."""

from __future__ import annotations

from typing import Generic, TypeVar

from fastapi import Request, Response
from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: ``next`` is the link to the following page (null on the last one)."""

    model_config = ConfigDict(frozen=True)

    total: int = Field(description="How many items the whole list has.")
    limit: int
    offset: int
    items: list[T]
    next: str | None = Field(description="Path and query of the next page, or null.")

    @classmethod
    def of(cls, request: Request, total: int, limit: int, offset: int, items: list[T]) -> "Page[T]":
        following = None
        if offset + limit < total:
            following = f"{request.url.path}?{request.url.include_query_params(limit=limit, offset=offset + limit).query}"
        return cls(total=total, limit=limit, offset=offset, items=items, next=following)


def model_response(model: BaseModel, status_code: int = 200) -> Response:
    """The JSON the CLI prints for the same answer (``model_dump_json(by_alias=True)``)."""
    return Response(model.model_dump_json(by_alias=True), status_code=status_code, media_type="application/json")


OPENAPI_MODELS: list[type[BaseModel]] = []
"""Models a route documents by hand (a body read raw, e.g. to report BOM lines): their JSON schemas are
added to the OpenAPI components, so ``#/components/schemas/<Name>`` resolves."""


def documented(model: type[BaseModel]) -> type[BaseModel]:
    """Register ``model`` in the OpenAPI components (usable as a class decorator)."""
    OPENAPI_MODELS.append(model)
    return model
