"""`python -m bot`: the same as the `bot` command."""

from bot.cli import main_exit

if __name__ == "__main__":
    main_exit()
