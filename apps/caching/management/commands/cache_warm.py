"""Fill the cache after a deploy: run the named warmers, and refresh the hottest entries."""

from django.core.management.base import BaseCommand, CommandError

from apps.caching import warming


class Command(BaseCommand):
    help = "Run cache warmers (all, or those named) and refresh the hottest query-cache entries."

    def add_arguments(self, parser) -> None:
        parser.add_argument("names", nargs="*", help="Warmers to run (default: all).")
        parser.add_argument(
            "--list", action="store_true", dest="list_only", help="List the warmers and stop."
        )

    def handle(self, *args, names: list[str], list_only: bool, **options) -> None:
        available = warming.warmers()
        if list_only:
            for name in available:
                self.stdout.write(name)
            return
        unknown = sorted(set(names) - set(available))
        if unknown:
            raise CommandError(
                f"Unknown warmer(s): {', '.join(unknown)}. Known: {', '.join(available)}."
            )
        for name, seconds in warming.run_warmers(names).items():
            self.stdout.write(f"warmed {name} in {seconds * 1000:.0f} ms")
        refreshed = warming.refresh_hot_entries()
        self.stdout.write(f"refreshed {refreshed} hot entr{'y' if refreshed == 1 else 'ies'}")
