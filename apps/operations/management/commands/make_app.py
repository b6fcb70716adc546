"""`manage.py make_app NAME`: a new feature app with the whole anatomy, for one model.

`make_app notes` writes apps/notes/ (model `Note`: title, body, owner, created_at,
updated_at; services, selectors, errors, rules, events, REST, GraphQL, websocket, pages,
admin) and tests/notes/, from the templates in apps/operations/app_template/ (string.Template:
`${Model}`, `${app}`...; `$$` is a dollar sign). It then prints the lines that install the
app: its INSTALLED_APPS entry, the `include` of its pages and the makemigrations command.

It refuses, before writing anything, a name that is not a lower-case Python identifier, an
app or test directory that exists, an installed app's label, an importable module, and
names the app would take that the project uses already (GraphQL types and fields, OpenAPI
components, URLs, error codes, event types, the user model's relations).
"""

import io
import json
import keyword
import re
import shutil
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path
from string import Template
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.module_loading import import_string
from drf_spectacular.generators import SchemaGenerator
from graphene.utils.str_converters import to_camel_case

from apps.kernel.declarations import declared_modules
from apps.kernel.errors import error_codes

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "app_template"
TEMPLATE_SUFFIX = "-tpl"
# Names the generated code uses for its own variables and modules; a model named so would
# shadow them.
RESERVED_MODEL_NAMES = frozenset(
    {
        "actor",
        "admin",
        "body",
        "change",
        "client",
        "data",
        "event",
        "field",
        "form",
        "forms",
        "info",
        "input",
        "input_rules",
        "item",
        "location",
        "message",
        "models",
        "obj",
        "owner",
        "page",
        "path",
        "payload",
        "pk",
        "queryset",
        "reader",
        "request",
        "response",
        "root",
        "rules",
        "selectors",
        "services",
        "socket",
        "status",
        "stranger",
        "superuser",
        "title",
        "transaction",
        "user",
        "value",
        "views",
        "writer",
    }
)


# Plurals the endings below would get wrong; a word ending otherwise is its own singular.
IRREGULAR_PLURALS = {
    "children": "child",
    "people": "person",
    "series": "series",
    "species": "species",
}


def singular(name: str) -> str:
    """The singular of a snake_case plural, by its last word: notes -> note."""
    head, _, word = name.rpartition("_")
    if word in IRREGULAR_PLURALS:
        word = IRREGULAR_PLURALS[word]
    elif word.endswith("ies") and len(word) > 3:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "ches", "shes", "zzes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return f"{head}_{word}" if head else word


def camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def snake(camel_name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", camel_name).lower()


def template_names(app: str, model_class: str) -> dict[str, str]:
    """What the templates' placeholders stand for, for app `app` and model `model_class`."""
    model = snake(model_class)
    items = app if app != model else f"{model}_list"
    return {
        "app": app,
        "AppClass": camel(app),
        "App_words": app.replace("_", " ").capitalize(),
        "app_words": app.replace("_", " "),
        "Model": model_class,
        "model": model,
        "model_name": model_class.lower(),  # Django's, as in permission codenames
        "model_words": model.replace("_", " "),
        "Model_words": model.replace("_", " ").capitalize(),
        "items": items,
        "items_camel": to_camel_case(items),
        "model_camel": to_camel_case(model),
    }


class Command(BaseCommand):
    help = (
        "Generate a feature app for one model in apps/NAME with its tests in tests/NAME, "
        "and print the lines that install it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The app's name and label: lower case, e.g. notes.")
        parser.add_argument(
            "--model",
            help="The model's class name (default: the singular of NAME, e.g. Note).",
        )

    def handle(self, *args: Any, name: str, model: str | None, **options: Any) -> None:
        root = Path(settings.BASE_DIR)
        self._check_name(name, root)
        model_class = model or camel(singular(name))
        self._check_model(model_class)
        names = template_names(name, model_class)
        clashes = self._clashes(names)
        if clashes:
            raise CommandError(
                f"The app {name!r} would take names the project uses already:\n  "
                + "\n  ".join(clashes)
            )
        written = [
            *self._render(TEMPLATE_DIR / "app", root / "apps" / name, names),
            *self._render(TEMPLATE_DIR / "tests", root / "tests" / name, names),
        ]
        formatted = self._format(root, [root / "apps" / name, root / "tests" / name])
        self._report(names, written, formatted)

    # --- refusals -------------------------------------------------------------------------

    def _check_name(self, name: str, root: Path) -> None:
        if not name.isidentifier() or keyword.iskeyword(name):
            raise CommandError(f"{name!r} is not a valid Python identifier.")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise CommandError(
                f"{name!r}: use lower-case letters, digits and underscores, starting with a "
                "letter (the name is the app's label, its URLs and its tables' prefix)."
            )
        for directory in (root / "apps" / name, root / "tests" / name):
            if directory.exists():
                raise CommandError(f"{directory.relative_to(root)} exists already.")
        for app_config in apps.get_app_configs():
            if name in (app_config.label, app_config.name.rpartition(".")[2]):
                raise CommandError(
                    f"{name!r} clashes with the installed app {app_config.name!r} "
                    f"(label {app_config.label!r})."
                )
        spec = find_spec(name)
        if spec is not None:
            where = spec.origin or ", ".join(spec.submodule_search_locations or ())
            raise CommandError(
                f"{name!r} clashes with the Python module {name!r} ({where}); choose another name."
            )

    def _check_model(self, model_class: str) -> None:
        if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", model_class) or keyword.iskeyword(model_class):
            raise CommandError(f"{model_class!r} is not a model class name such as Note.")
        if snake(model_class) in RESERVED_MODEL_NAMES or keyword.iskeyword(snake(model_class)):
            raise CommandError(
                f"The model {model_class!r} would be named {snake(model_class)!r} in the "
                "generated code, which uses that name already; choose another with --model."
            )

    def _clashes(self, names: dict[str, str]) -> list[str]:
        """Names the new app would declare that something in the project declares already."""
        app, model, model_class = names["app"], names["model"], names["Model"]
        clashes = []

        taken_codes = {f"{app}_error", f"{model}_not_found", f"invalid_{model}"} & set(
            error_codes()
        )
        clashes += [f"error code {code!r}" for code in sorted(taken_codes)]

        catalog = io.StringIO()
        call_command("event_catalog", stdout=catalog)
        clashes += [
            f"event type {entry['type']!r} (the app's events are {app}.*)"
            for entry in json.loads(catalog.getvalue())
            if entry["type"].startswith(f"{app}.")
        ]

        graphql = import_string(settings.GRAPHENE["SCHEMA"]).graphql_schema
        types = {
            model_class,
            *(f"{verb}{model_class}Payload" for verb in ("Create", "Update", "Delete")),
            *(f"{verb}{model_class}Input" for verb in ("Create", "Update")),
        }
        clashes += [f"GraphQL type {name!r}" for name in sorted(types & set(graphql.type_map))]
        roots = {
            "Query": (graphql.query_type, {names["items_camel"], names["model_camel"]}),
            "Mutation": (
                graphql.mutation_type,
                {to_camel_case(f"{verb}_{model}") for verb in ("create", "update", "delete")},
            ),
        }
        for root_name, (root_type, fields) in roots.items():
            taken = fields & set(root_type.fields if root_type is not None else ())
            clashes += [f"GraphQL field {root_name}.{field}" for field in sorted(taken)]

        components = SchemaGenerator().get_schema(request=None, public=True)["components"]
        ours = {
            model_class,
            f"{model_class}Owner",
            f"{model_class}Input",
            f"{model_class}InputRequest",
            f"Patched{model_class}InputRequest",
            f"Paginated{model_class}List",
        }
        taken = ours & set(components.get("schemas", {}))
        clashes += [f"OpenAPI component {name!r}" for name in sorted(taken)]

        for path in (f"/{app}/", f"/api/{app}/"):
            try:
                resolve(path)
            except Resolver404:
                continue
            clashes.append(f"URL {path}")
        try:
            reverse(f"api:{model}-list")
        except NoReverseMatch:
            pass
        else:
            clashes.append(f"URL name api:{model}-list")
        for module in declared_modules("websocket_urls"):
            if any(route.pattern.match(f"ws/{app}/") for route in module.websocket_urlpatterns):
                clashes.append(f"websocket URL /ws/{app}/ ({module.__name__})")

        user_model = get_user_model()
        if app in {field.name for field in user_model._meta.get_fields()}:
            clashes.append(f"{user_model._meta.label}.{app} (the owner relation's name)")
        return clashes

    # --- writing --------------------------------------------------------------------------

    def _render(self, source: Path, target: Path, names: dict[str, str]) -> list[Path]:
        written = []
        for template in sorted(source.rglob(f"*{TEMPLATE_SUFFIX}")):
            parts = [
                names["app"] if part == "app_name" else part
                for part in template.relative_to(source).parts
            ]
            filename = parts[-1].removesuffix(TEMPLATE_SUFFIX)
            if filename.startswith("model_"):
                filename = f"{names['model']}_{filename.removeprefix('model_')}"
            path = target.joinpath(*parts[:-1], filename)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(Template(template.read_text()).substitute(names))
            written.append(path)
        return written

    def _format(self, root: Path, directories: list[Path]) -> bool:
        """Sort imports and format the new code with the project's ruff, if it is installed.

        Names of other lengths than the templates' wrap lines elsewhere, and the app's name
        decides where its imports sort.
        """
        ruff = Path(sys.executable).with_name("ruff")
        command = str(ruff) if ruff.exists() else shutil.which("ruff")
        if command is None:
            return False
        paths = [str(directory) for directory in directories]
        for arguments in (["format", "--quiet", *paths], ["check", "--fix", "--quiet", *paths]):
            subprocess.run([command, *arguments], cwd=root, check=False)
        return True

    def _report(self, names: dict[str, str], written: list[Path], formatted: bool) -> None:
        app = names["app"]
        write = self.stdout.write
        created = f"apps/{app}/ and tests/{app}/ ({len(written)} files), model {names['Model']}"
        write(self.style.SUCCESS(f"Created {created}."))
        if not formatted:
            write("ruff was not found: run `ruff check --fix` and `ruff format` on them.")
        write("")
        write("1. Add this line to INSTALLED_APPS in config/settings/base.py:")
        write("")
        write(f'    "apps.{app}",')
        write("")
        write("2. Add this line to urlpatterns in config/urls.py (the app's pages):")
        write("")
        write(f'    path("{app}/", include("apps.{app}.urls")),')
        write("")
        write("3. Make the app's first migration, then apply it:")
        write("")
        write(f"    python manage.py makemigrations {app}")
        write("    python manage.py migrate")
        write("")
        write("4. Regenerate what the project documents of its events and GraphQL schema:")
        write("")
        write("    python manage.py event_catalog --write docs/events-catalog.md")
        write(
            "    python manage.py graphql_schema --schema apps.api.graphql_schema.schema "
            "--out schema.graphql"
        )
        write("")
        write(f"Then `make test` runs tests/{app}/ with the suite, and `make lint` checks it.")
