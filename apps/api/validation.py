"""Input checking shared by the REST views: a serializer's shape check, errors as problems."""

from typing import Any

from rest_framework import serializers


def validated_data(
    serializer_class: type[serializers.Serializer[Any]], data: object, *, partial: bool = False
) -> dict[str, Any]:
    """`data` checked by `serializer_class`; a ValidationError becomes a 422 problem."""
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    checked: dict[str, Any] = serializer.validated_data  # a dict for a single object
    return checked
