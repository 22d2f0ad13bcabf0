"""The administration screens: users, institutions, facilities and their staff, and the
instrument editor, opened from app_parts/administration.py for those who may use them."""
