"""A facility's staff at work: approvals, downtime, training and check-in."""
