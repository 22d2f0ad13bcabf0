"""The waiting list: joining, offers, paths that free a slot, races."""
