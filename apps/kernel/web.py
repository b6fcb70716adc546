"""Domain errors on web pages: next to the form field at fault, as a message, or as a page.

A view that calls a service with a form catches `DomainError` and hands it to
`show_on_form`; an error it does not catch reaches `DomainErrorMiddleware`, which answers
with the error page of its status (403.html, 404.html...) showing the error's message.
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template

from apps.kernel.errors import DomainError


def show_on_form(form: forms.BaseForm, error: DomainError) -> None:
    """Show the error next to its field, or above the form when the form lacks that field."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, forms.ValidationError(str(error), code=error.code))


def show_as_message(request: HttpRequest, error: DomainError) -> None:
    """Show the error on the next page rendered (for redirects after a POST)."""
    messages.error(request, str(error))


class DomainErrorMiddleware:
    """A `DomainError` leaving a web view becomes the error page of its status.

    REST and GraphQL handle their own (their views catch it first); this covers pages.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        try:
            template = select_template([f"{exception.status}.html", "400.html"])
        except TemplateDoesNotExist:
            return None
        context = {
            "exception": str(exception),
            "heading": exception.title,
            "message": str(exception),
        }
        response = render(request, template.template.name, context, status=exception.status)
        for name, value in exception.headers().items():
            response[name] = value
        return response
