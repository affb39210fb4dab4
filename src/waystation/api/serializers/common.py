"""Shapes every endpoint shares: errors and pages."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class ErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField(help_text="What went wrong, in a sentence for a person.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For refused input: the sentences for each field.",
    )


class PageSerializer(serializers.Serializer[Any]):
    """A page of a list: ``results`` hold at most ``page_size`` rows."""

    count = serializers.IntegerField(help_text="Rows in the whole list.")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = serializers.IntegerField(allow_null=True, help_text="The next page's number.")
    previous = serializers.IntegerField(allow_null=True)


class PageQuerySerializer(serializers.Serializer[Any]):
    page = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1, required=False)


def page_of(
    serializer_class: type[serializers.Serializer[Any]], name: str
) -> type[serializers.Serializer[Any]]:
    """A page serializer whose results are rows of ``serializer_class``."""
    return type(
        name,
        (PageSerializer,),
        {"results": serializer_class(many=True), "__module__": __name__},
    )
