"""`manage.py make_app`: an app installed with the lines it prints passes its own tests and lint.

The generator runs in a copy of the project (the virtualenv linked, not copied), which the
test changes as a developer would: the printed INSTALLED_APPS entry and `include`, then
makemigrations. The generated tests then run with the copy's pytest, on a database and
Redis databases of their own.
"""

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from tests.live import ROOT, embedded_env

# What the copy leaves out: the virtualenv (linked instead), local state, caches, history.
NOT_COPIED = shutil.ignore_patterns(
    ".venv", ".tools", ".git", "var", "__pycache__", ".*_cache", ".coverage*", "htmlcov"
)

# What `make_app notes` writes: the app's whole anatomy (docs/architecture.md) and tests.
ANATOMY = {
    "apps/notes/apps.py",
    "apps/notes/models.py",
    "apps/notes/errors.py",
    "apps/notes/input_rules.py",
    "apps/notes/services.py",
    "apps/notes/selectors.py",
    "apps/notes/rules.py",
    "apps/notes/event_types.py",
    "apps/notes/subscribers.py",
    "apps/notes/api/serializers.py",
    "apps/notes/api/views.py",
    "apps/notes/api/urls.py",
    "apps/notes/schema.py",
    "apps/notes/consumers.py",
    "apps/notes/routing.py",
    "apps/notes/views.py",
    "apps/notes/urls.py",
    "apps/notes/templates/notes/note_list.html",
    "apps/notes/templates/notes/note_detail.html",
    "apps/notes/admin.py",
    "tests/notes/factories.py",
    "tests/notes/test_services.py",
    "tests/notes/test_api.py",
    "tests/notes/test_graphql.py",
    "tests/notes/test_permissions.py",
}


@pytest.fixture
def project_copy(tmp_path) -> Path:
    copy = tmp_path / "keel"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED)
    (copy / ".venv").symlink_to(ROOT / ".venv")
    return copy


def _run(copy: Path, *command: str, env: dict[str, str], timeout: int = 120) -> str:
    finished = subprocess.run(
        [*command], cwd=copy, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert finished.returncode == 0, (
        f"{command}:\n{finished.stdout[-5000:]}{finished.stderr[-5000:]}"
    )
    return finished.stdout


def _own(env: dict[str, str]) -> dict[str, str]:
    """`env` without this run's coverage: the copy's processes measure files of the copy."""
    return {key: value for key, value in env.items() if not key.startswith(_COVERAGE)}


_COVERAGE = ("COV_CORE_", "COVERAGE_")


def _generated_tests_env() -> dict[str, str]:
    """The environment this suite runs with, pointed at a database and Redis block of its own."""
    env = {
        key: value
        for key, value in _own(dict(os.environ)).items()
        # Not this process's xdist worker (its Redis databases and key prefix) nor settings:
        # the generated tests are a run of their own.
        if not key.startswith("PYTEST_")
        and key not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL", "REDIS_CACHE_URL", "KEEL_KEY_PREFIX"}
    }
    url = urlsplit(os.environ["DATABASE_URL"])
    database = f"{url.path.lstrip('/')}_make_app"
    # The block of Redis databases after the suite's (two per xdist worker, from
    # KEEL_TEST_REDIS_DB): the generated tests' worker must not take this suite's tasks.
    first_db = int(os.environ.get("KEEL_TEST_REDIS_DB", "1"))
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    return env | {
        "DATABASE_URL": urlunsplit(url._replace(path=f"/{database}")),
        "KEEL_TEST_REDIS_URL": os.environ.get("KEEL_TEST_REDIS_URL", "redis://127.0.0.1:6379"),
        "KEEL_TEST_REDIS_DB": str((first_db + 2 * workers) % 16),
    }


def _install(copy: Path, printed: str) -> list[str]:
    """Add the printed INSTALLED_APPS entry and `include` to the copy; the command lines."""
    lines = [line.strip() for line in printed.splitlines()]
    entry = next(line for line in lines if line.startswith('"apps.'))
    include = next(line for line in lines if line.startswith("path("))
    settings_file = copy / "config" / "settings" / "base.py"
    text = settings_file.read_text()
    start = text.index("INSTALLED_APPS = [")
    end = text.index("\n]", start)
    settings_file.write_text(f"{text[:end]}\n    {entry}{text[end:]}")
    urls_file = copy / "config" / "urls.py"
    urls_file.write_text(
        urls_file.read_text().replace("urlpatterns = [\n", f"urlpatterns = [\n    {include}\n", 1)
    )
    return [line for line in lines if line.startswith("python manage.py")]


def test_a_generated_app_installed_as_printed_passes_its_tests_and_lint(project_copy, tmp_path):
    copy = project_copy
    python, bin_dir = str(copy / ".venv" / "bin" / "python"), copy / ".venv" / "bin"
    # Generating and migrating need no services: the settings of a bare machine.
    bare = _own(embedded_env(tmp_path / "var"))

    printed = _run(copy, python, "manage.py", "make_app", "notes", env=bare)
    commands = _install(copy, printed)
    assert "python manage.py makemigrations notes" in commands
    _run(copy, python, "manage.py", "makemigrations", "notes", env=bare)

    written = {str(path.relative_to(copy)) for path in copy.glob("*/notes/**/*.*")}
    assert ANATOMY - written == set()
    assert "apps/notes/migrations/0001_initial.py" in written
    generated = ["apps/notes", "tests/notes"]
    _run(copy, str(bin_dir / "ruff"), "check", *generated, env=bare)
    _run(copy, str(bin_dir / "ruff"), "format", "--check", *generated, env=bare)
    _run(copy, python, "bin/check-model-writes", "apps/notes", env=bare)
    _run(copy, str(bin_dir / "lint-imports"), env=bare)
    # The project's types with the app in: strict for its services and selectors.
    _run(copy, str(bin_dir / "mypy"), "--cache-dir", str(tmp_path / "mypy"), env=bare)
    report = _run(
        copy,
        str(bin_dir / "pytest"),
        "-p",
        "no:cacheprovider",
        "-q",
        "tests/notes",
        env=_generated_tests_env(),
        timeout=300,
    )
    assert " passed" in report
    assert "failed" not in report
    assert "skipped" not in report


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("2notes", "'2notes' is not a valid Python identifier."),
        ("class", "'class' is not a valid Python identifier."),
        ("Notes", "use lower-case letters"),
        ("content", "apps/content exists already."),
        ("sessions", "clashes with the installed app 'django.contrib.sessions'"),
        ("celery", "clashes with the Python module 'celery'"),
        # Not installed, nor a module, but its model would be a second `Post`.
        ("post", "GraphQL type 'Post'"),
    ],
)
def test_a_name_that_cannot_be_an_app_is_refused_before_anything_is_written(name, reason, tmp_path):
    for directory in ("apps/content", "tests"):
        (tmp_path / directory).mkdir(parents=True)

    with override_settings(BASE_DIR=tmp_path), pytest.raises(CommandError) as refused:
        call_command("make_app", name)

    assert reason in str(refused.value)
    assert sorted(path.name for path in (tmp_path / "apps").iterdir()) == ["content"]
    assert list((tmp_path / "tests").iterdir()) == []
