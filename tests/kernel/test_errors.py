"""One error model: an app's DomainError reaches every surface with its code and status,
though no platform module knows the app (tests/kernel/sample_surfaces.py plays the app)."""

import asyncio
import json

import pytest
from asgiref.testing import ApplicationCommunicator
from channels.routing import URLRouter
from django.urls import path

from apps.api.graphql_errors import public_error
from apps.kernel.errors import DomainError, error_codes
from tests.kernel import sample_surfaces
from tests.kernel.sample_surfaces import BookConsumer

pytestmark = pytest.mark.urls("tests.kernel.sample_surfaces")
PROBLEM = "application/problem+json"


def test_rest_answers_a_new_apps_error_as_a_problem_with_its_status_and_code(client):
    response = client.get("/api/books/missing/")

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "urn:keel:problem:book_not_found",
        "title": "Book not found",
        "status": 404,
        "detail": "No such book.",
        "code": "book_not_found",
    }


def test_rest_sends_the_headers_an_error_implies(client):
    response = client.get("/api/books/exhausted/")

    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert response.json()["code"] == "loans_exhausted"


def test_rest_names_the_field_of_an_input_error(client):
    response = client.get("/api/books/isbn/")

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "isbn", "message": "An ISBN has 13 digits.", "code": "invalid_isbn"}
    ]


def test_a_page_shows_the_error_page_of_the_errors_status(client):
    response = client.get("/books/missing/")

    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_a_page_shows_a_refusal_with_its_message(client):
    response = client.get("/books/exhausted/")

    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert b"No more loans today; try again in 30 seconds." in response.content


def test_graphql_reports_a_mutations_error_in_its_payload_with_field_and_code(db):
    result = sample_surfaces.schema.execute(
        'mutation { borrowBook(kind: "isbn") { ok errors { field message code } } }'
    )

    assert result.errors is None
    assert result.data["borrowBook"] == {
        "ok": None,
        "errors": [{"field": "isbn", "message": "An ISBN has 13 digits.", "code": "invalid_isbn"}],
    }


def test_graphql_reports_a_resolvers_error_with_its_code_and_message():
    result = sample_surfaces.schema.execute('{ book(kind: "missing") }')

    error = public_error(result.errors[0])
    assert (error.message, error.extensions) == ("No such book.", {"code": "book_not_found"})


def _socket(kind: str) -> ApplicationCommunicator:
    router = URLRouter([path("ws/books/<str:kind>/", BookConsumer.as_asgi())])
    scope = {"type": "websocket", "path": f"/ws/books/{kind}/", "headers": [], "subprotocols": []}
    return ApplicationCommunicator(router, scope)


async def _frame(socket: ApplicationCommunicator, content: dict) -> dict:
    await socket.send_input({"type": "websocket.receive", "text": json.dumps(content)})
    return await socket.receive_output(timeout=5)


def test_a_socket_refused_at_connect_is_closed_with_4000_plus_the_status():
    async def refused():
        socket = _socket("missing")
        await socket.send_input({"type": "websocket.connect"})
        return [await socket.receive_output(timeout=5), await socket.receive_output(timeout=5)]

    accepted, closed = asyncio.run(refused())

    assert accepted["type"] == "websocket.accept"
    assert (closed["type"], closed["code"]) == ("websocket.close", 4404)


def test_an_error_while_handling_a_frame_is_sent_back_and_the_socket_stays_open():
    async def exchange():
        socket = _socket("open")
        await socket.send_input({"type": "websocket.connect"})
        accepted = await socket.receive_output(timeout=5)
        answers = [
            await _frame(socket, {"kind": "isbn"}),
            await _frame(socket, {"kind": "missing"}),
        ]
        await socket.send_input({"type": "websocket.disconnect", "code": 1000})
        await socket.wait(timeout=5)
        return accepted["type"], [json.loads(answer["text"]) for answer in answers]

    accepted, (answer, second) = asyncio.run(exchange())

    assert accepted == "websocket.accept"
    assert answer == {
        "type": "error",
        "code": "invalid_isbn",
        "message": "An ISBN has 13 digits.",
        "field": "isbn",
    }
    assert second["code"] == "book_not_found"


def test_an_error_code_belongs_to_one_class():
    with pytest.raises(TypeError, match="reuses the error code 'book_not_found'"):

        class AnotherNotFound(DomainError):
            code = "book_not_found"


def test_the_projects_error_codes_are_listed_with_their_status():
    codes = error_codes()

    assert codes["post_not_found"].status == 404
    assert codes["too_many_attempts"].status == 429
    assert codes["not_allowed"].status == 403
