"""The ``fundmodel`` command, one module per command; :func:`main` is the entry point
(``fundmodel = "fundmodel.cli:main"``; ``python -m fundmodel.cli``)."""

from .main import add_lang_argument, main

__all__ = ["main", "add_lang_argument"]
