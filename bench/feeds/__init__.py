"""The parts of bench_feeds: feed assembly against icalendar (part 1, pure)."""
