"""SVG snapshots of every screen and main dialog at 80x24 and 160x50, dark and light."""
