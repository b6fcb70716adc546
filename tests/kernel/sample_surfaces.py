"""A page, a REST view, GraphQL fields and a websocket consumer of an app the platform has
never heard of, each raising that app's own domain errors: the platform must answer for
them without being told about them."""

import graphene
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from apps.api.graphql_errors import KeelMutation
from apps.kernel.errors import DomainError
from apps.realtime.consumers import JsonSocketConsumer


class LibraryError(DomainError):
    code = "library_error"
    title = "Library error"


class BookNotFound(LibraryError):
    code = "book_not_found"
    status = 404
    title = "Book not found"
    default_message = "No such book."


class LoansExhausted(LibraryError):
    code = "loans_exhausted"
    status = 429
    title = "Too many loans"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"No more loans today; try again in {retry_after} seconds.")
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class InvalidIsbn(LibraryError):
    code = "invalid_isbn"
    status = 422
    title = "Invalid ISBN"

    def __init__(self) -> None:
        super().__init__("An ISBN has 13 digits.", field="isbn")


ERRORS = {
    "missing": BookNotFound,
    "exhausted": lambda: LoansExhausted(retry_after=30),
    "isbn": InvalidIsbn,
}


def book_page(request: HttpRequest, kind: str) -> HttpResponse:
    raise ERRORS[kind]()


class BookApi(APIView):
    permission_classes = [AllowAny]

    def get(self, request, kind: str):
        raise ERRORS[kind]()


urlpatterns = [
    path("books/<str:kind>/", book_page),
    path("api/books/<str:kind>/", BookApi.as_view()),
    # The site's own pages, which the error pages link to.
    path("", include("config.urls")),
]


class Query(graphene.ObjectType):
    book = graphene.String(kind=graphene.String(required=True))

    @staticmethod
    def resolve_book(root, info, kind: str):
        raise ERRORS[kind]()


class BorrowBook(KeelMutation):
    class Arguments:
        kind = graphene.String(required=True)

    ok = graphene.Boolean()

    @classmethod
    def perform(cls, info, kind: str):
        raise ERRORS[kind]()


class Mutation(graphene.ObjectType):
    borrow_book = BorrowBook.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)


class BookConsumer(JsonSocketConsumer):
    async def connect(self) -> None:
        kind = self.scope["url_route"]["kwargs"]["kind"]
        if kind != "open":
            raise ERRORS[kind]()
        await self.accept()

    async def receive_json(self, content, **kwargs) -> None:
        raise ERRORS[content["kind"]]()
