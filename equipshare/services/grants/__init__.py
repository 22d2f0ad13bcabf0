"""Grant costing: price a plan of instrument and technician hours, save it, compare it."""
