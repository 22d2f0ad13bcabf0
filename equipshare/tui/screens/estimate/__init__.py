"""The Estimate screen: grant costings drafted, saved, and compared with charges."""
