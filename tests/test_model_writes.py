"""bin/check-model-writes: model writes live in services; the repository keeps to it."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / "bin" / "check-model-writes"


def run_check(*paths: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(CHECK), *map(str, paths)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_repository_writes_models_only_in_services():
    result = run_check("apps")

    assert result.stdout == ""
    assert result.returncode == 0


def write(root: Path, relative: str, source: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source).lstrip())


def test_writes_outside_services_are_named_by_file_line_and_rule(tmp_path):
    write(
        tmp_path,
        "apps/shop/views.py",
        """
        from django.core.cache import cache

        def checkout(request, form, order, headers):
            Order.objects.create(total=1)
            order.save(update_fields=["total"])
            Order.objects.filter(paid=False).update(paid=True)
            order.delete()
            form.save()
            form.save(commit=False)
            headers.update({"X-Shop": "1"})
            cache.delete("basket")
            Order.objects.filter(stale=True).delete()  # model-write: expired baskets
            Order.objects.bulk_create([])  # model-write:
            # model-write: the shop's own audit trail, not domain data
            AuditEntry.objects.create(
                action="checkout",
            )
        """,
    )
    for exempt in (
        "apps/shop/services.py",
        "apps/shop/services/orders.py",
        "apps/shop/migrations/0002_fill.py",
        "apps/shop/tests/test_orders.py",
        "apps/shop/factories.py",
    ):
        write(tmp_path, exempt, "Order.objects.create(total=1)\norder.save()\n")

    result = run_check("apps", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "apps/shop/views.py:4:5: manager-write .create() writes rows: call a service",
        "apps/shop/views.py:5:5: save .save() writes a model (or a form's model): call a service",
        "apps/shop/views.py:6:5: queryset-update queryset .update() writes rows: call a service",
        "apps/shop/views.py:7:5: delete .delete() deletes rows: call a service",
        "apps/shop/views.py:8:5: save .save() writes a model (or a form's model): call a service",
        # An escape without a reason does not count.
        "apps/shop/views.py:13:5: manager-write .bulk_create() writes rows: call a service",
    ]
    assert "6 model write(s) outside services" in result.stderr


def test_a_clean_tree_passes(tmp_path):
    write(tmp_path, "apps/shop/selectors.py", "def orders():\n    return Order.objects.all()\n")

    result = run_check("apps", cwd=tmp_path)

    assert (result.returncode, result.stdout) == (0, "")
