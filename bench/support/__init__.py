"""What every benchmark shares: options and figures, results, the growth table, frame timing."""
