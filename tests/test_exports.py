"""The public API: everything in __all__ exists and is documented, and nothing public is left out."""

import dataclasses
import inspect

import bot
from bot import errors, records


def test_all_names_exist_and_have_docstrings():
    for name in bot.__all__:
        member = getattr(bot, name)
        doc = inspect.getdoc(member) or ""
        # A dataclass without a docstring of its own is given its signature ("Answer(question: ...").
        assert doc and not doc.startswith(f"{name}("), name
    assert sorted(bot.__all__) == bot.__all__


def test_all_lists_every_public_name_the_package_binds():
    public = {
        name
        for name, member in vars(bot).items()
        if not name.startswith("_") and not inspect.ismodule(member)
    }
    assert public == set(bot.__all__)


def test_every_error_and_record_is_public():
    # What the pages and callers catch and build: the errors, and the records answers are made of.
    for module in (errors, records):
        for name, member in vars(module).items():
            if inspect.isclass(member) and member.__module__ == module.__name__ and not name.startswith("_"):
                if module is records and not dataclasses.is_dataclass(member):
                    continue
                assert name in bot.__all__, f"{module.__name__}.{name}"
