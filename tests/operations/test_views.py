"""The site's error pages as a browser sees them."""

import pytest
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory

from apps.operations.views import server_error


def test_server_error_page_renders_without_touching_the_database():
    # Given a signed-in visitor's request (no django_db mark: any query here would raise),
    # because the database may be the very thing that failed
    session_cookie = "sessionid=" + "a" * 32
    request = RequestFactory().get("/posts/anything/", HTTP_COOKIE=session_cookie)
    for middleware in (SessionMiddleware, AuthenticationMiddleware, MessageMiddleware):
        middleware(lambda r: None).process_request(request)

    response = server_error(request)

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


@pytest.mark.django_db
def test_unknown_page_shows_the_site_404_page(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "Page not found" in response.text
    assert 'href="/"' in response.text


@pytest.mark.django_db
def test_a_request_django_cannot_read_shows_the_site_400_page(client):
    # More than DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) query parameters
    query = "&".join(f"p{n}=1" for n in range(1_001))

    response = client.get(f"/?{query}")

    assert response.status_code == 400
    assert "The request could not be read." in response.text
    assert "DATA_UPLOAD_MAX_NUMBER_FIELDS" not in response.text
