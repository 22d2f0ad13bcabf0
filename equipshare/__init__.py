"""equipshare: share research instruments across partner universities."""

__version__ = "0.1.0"
