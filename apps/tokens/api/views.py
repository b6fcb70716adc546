"""The signed-in user's personal access tokens: list, create, revoke."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.api.problems import problem_responses
from apps.api.validation import validated_data
from apps.tokens import selectors, services
from apps.tokens.api.serializers import (
    CreatedTokenSerializer,
    PersonalAccessTokenSerializer,
    TokenInputSerializer,
)


class TokenListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="tokens_list",
        responses={200: PersonalAccessTokenSerializer(many=True), **problem_responses(401)},
        summary="Your personal access tokens (never their secrets)",
    )
    def get(self, request):
        return Response(
            PersonalAccessTokenSerializer(selectors.tokens_of(request.user), many=True).data
        )

    @extend_schema(
        operation_id="tokens_create",
        request=TokenInputSerializer,
        responses={201: CreatedTokenSerializer, **problem_responses(400, 401, 403, 415, 422)},
        summary="Create a personal access token; the answer holds the token, shown once",
    )
    def post(self, request):
        data = validated_data(TokenInputSerializer, request.data)
        created = services.create_token(actor=request.user, **data)
        body = {**PersonalAccessTokenSerializer(created.token).data, "token": created.key}
        return Response(body, status=status.HTTP_201_CREATED)


class TokenDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="tokens_revoke",
        responses={204: OpenApiResponse(description="Revoked."), **problem_responses(401, 404)},
        summary="Revoke one of your personal access tokens",
    )
    def delete(self, request, token_id: int):
        services.revoke_token(actor=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
