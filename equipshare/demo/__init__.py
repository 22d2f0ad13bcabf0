"""The demo consortium: seeding an empty database with believable institutions, people and use."""
