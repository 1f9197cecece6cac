"""The report layer: the only code that writes to stdout (and progress to stderr)."""
