"""The README tells the truth about the command line."""

from conftest import ROOT

from bot.cli import build_parser


def test_readme_lists_every_subcommand_and_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name in commands:
        assert f"`bot {name}" in readme, name
    assert "make run" in readme and "make test" in readme


def test_readme_lays_out_every_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## How the code is laid out", 1)[1].split("\n## ", 1)[0]
    for module in sorted((ROOT / "bot").glob("*.py")):
        if module.name not in ("__init__.py", "__main__.py"):
            assert f"`bot/{module.name}`" in layout, module.name
