"""The money commands: charges, rate cards, and the reports that bill and account for use."""
