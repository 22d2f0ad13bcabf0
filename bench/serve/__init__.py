"""The parts of bench_serve: the server process, a headless browser, session load, figures."""
