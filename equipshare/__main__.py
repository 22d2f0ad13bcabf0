"""Entry point for `python -m equipshare`."""

from equipshare.cli.main import main

if __name__ == "__main__":
    main()
