"""People: user accounts, who is acting, and training records."""
