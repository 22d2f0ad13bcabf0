"""Reading the audit trail: who changed what, filtered and paged in the database."""
