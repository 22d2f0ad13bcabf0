"""The HTTP server that publishes calendar subscription feeds (aiohttp)."""
