"""One module per `equipshare` command group; cli/registry.py says which holds which command."""
