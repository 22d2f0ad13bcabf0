"""The national dataset's parts for generate.py: the catalogue, the people and the bookings."""
