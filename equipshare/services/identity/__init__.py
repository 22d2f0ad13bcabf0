"""Identity: who is acting, and whom they may act as; sign-in will live here too."""
