"""The examples in the docstrings run and give what they show."""

import doctest
import importlib

import pytest
from test_architecture import ALL


# Alembic's env runs migrations when imported: it is run by Alembic on a store's connection.
@pytest.mark.parametrize("name", [n for n, _ in ALL
                                  if not n.endswith(("make_samples", "__main__",
                                                     "migrations.env"))])
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
