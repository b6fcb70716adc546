"""Input checking shared by the REST views: a serializer's shape check, errors as problems."""

from rest_framework import serializers


def validated_data(
    serializer_class: type[serializers.Serializer], data, *, partial: bool = False
) -> dict:
    """`data` checked by `serializer_class`; a ValidationError becomes a 422 problem."""
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
