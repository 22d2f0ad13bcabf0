"""Settings: the dataclasses, parsing and checks behind `equipshare.config`."""
