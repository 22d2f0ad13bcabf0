"""Frozen records of research impact: outputs, portfolios, acknowledgements, credit, reports."""
