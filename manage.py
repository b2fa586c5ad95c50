#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nvq_portfolio.settings")
    from django.core.management import execute_from_command_line

    from nvq_portfolio.env import EnvironmentSettingError

    try:
        execute_from_command_line(sys.argv)
    except EnvironmentSettingError as error:
        sys.exit(f"Configuration error: {error}")


if __name__ == "__main__":
    main()
