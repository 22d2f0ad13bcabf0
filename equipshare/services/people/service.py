"""The people feature's public face: accounts (in bulk and one by one), lookups and training.

Front ends import from here only; the modules beside it are the package's own.
"""

from __future__ import annotations

from equipshare.services.people.account_edits import AccountService
from equipshare.services.people.accounts import PeopleService
from equipshare.services.people.training import TrainingService
from equipshare.services.people.training_import import TrainingImportService
from equipshare.services.people.user_lookup import UserLookupService

__all__ = [
    "AccountService",
    "PeopleService",
    "TrainingImportService",
    "TrainingService",
    "UserLookupService",
]
