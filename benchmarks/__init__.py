"""Load benchmarks of Keel against reference apps, run by `make bench`."""
