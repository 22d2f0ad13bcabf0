"""Everything pure: enums, records, errors, clock, permissions, money, rules without a database."""
