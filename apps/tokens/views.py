"""The signed-in user's personal access tokens: list, create (the token shown once), revoke."""

from datetime import datetime, time

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.kernel.web import show_on_form
from apps.tokens import selectors, services
from apps.tokens.errors import InvalidTokenInput
from apps.tokens.forms import TokenForm


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST if request.method == "POST" else None)
    created = None
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["expires_at"]
        expires_at = (
            timezone.make_aware(datetime.combine(day, time.max)) if day is not None else None
        )
        try:
            created = services.create_token(
                actor=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=expires_at,
            )
        except InvalidTokenInput as error:
            show_on_form(form, error)
        else:
            form = TokenForm()
    context = {
        "form": form,
        "created": created,
        "tokens": selectors.tokens_of(request.user),
        "now": timezone.now(),
    }
    response = render(request, "tokens/tokens.html", context)
    if created is not None:
        response["Cache-Control"] = "no-store"  # the page holds the secret
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    # Another user's token is TokenNotFound: the 404 page (DomainErrorMiddleware).
    services.revoke_token(actor=request.user, token_id=token_id)
    return redirect("tokens:list")
