"""The Reports, Portfolio, Acknowledge and Outputs screens: periods, tabs, charts and CSV."""
