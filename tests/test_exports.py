"""The public API: everything in __all__ exists and is documented."""

import bot


def test_all_names_exist_and_have_docstrings():
    for name in bot.__all__:
        member = getattr(bot, name)
        assert member.__doc__, name
    assert sorted(bot.__all__) == bot.__all__
