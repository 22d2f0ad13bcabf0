"""OpenID Connect sign-in for `equipshare serve`: `routes.add_oidc_routes` mounts it."""
