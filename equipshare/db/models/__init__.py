"""ORM models by feature; equipshare.db.tables imports them all so Base.metadata is whole."""
