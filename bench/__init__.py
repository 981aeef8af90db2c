"""The speed and scale benchmark: `make bench` (see bench/README.md)."""
