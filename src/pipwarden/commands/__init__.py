"""Glue between parsed arguments and the core: one module per command.

Each module has ``run(args) -> int``: it builds settings and options from the namespace,
calls the core, hands the result to :mod:`pipwarden.report` and returns the exit code.
"""
